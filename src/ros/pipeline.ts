/**
 * The frame scheduling at the heart of the node, as an RxJS operator. Each camera has ONE waiting
 * slot: a newer frame replaces the waiting one (a counted drop), so latency never grows when the
 * engine is slower than the cameras. Whenever the engine is free the newest frame of every camera
 * goes as one batch; frames of several cameras that arrive within a sync window are batched
 * together, and a rate limit can space batches out.
 */
import {
  asyncScheduler,
  from,
  Observable,
  type ObservableInput,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from "rxjs";

/** A frame as it reaches the pipeline. */
export interface FrameArrival<T> {
  /** Camera index, 0 .. cameraCount-1. */
  readonly camera: number;
  readonly payload: T;
}

/** A frame taken for processing. */
export interface BatchItem<T> extends FrameArrival<T> {
  /** Frames of this camera dropped since the previous frame of it was taken. */
  readonly droppedBefore: number;
}

/** Why a waiting frame was replaced by a newer one. */
export type DropCause = "busy" | "throttled";

export interface SchedulingSettings {
  /** How long a batch waits for the other cameras' frames, ms; 0 sends what is there. */
  readonly syncWindowMs: number;
  /** Most batches per second; 0 for no limit. */
  readonly maxRateHz: number;
}

export interface LatestFrameOptions<T, R> {
  readonly cameraCount: number;
  /** Read at every decision, so `ros2 param set` takes effect at the next frame. */
  readonly settings: () => SchedulingSettings;
  /** Runs one batch; the next batch starts only when this completes or errors. */
  readonly process: (batch: readonly BatchItem<T>[]) => ObservableInput<R>;
  /** Told about every dropped frame, for the diagnostics counters. */
  readonly onDrop?: (camera: number, cause: DropCause) => void;
  /** Told when `process` fails; the pipeline carries on with the next batch. */
  readonly onError?: (error: unknown) => void;
  /** Time and timers; the RxJS TestScheduler in tests. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Turns a stream of camera frames into processed batches. Completes when the input completes and
 * the batch in flight (if any) has finished; frames still waiting then are discarded.
 */
export function latestFrameBatches<T, R>(
  options: LatestFrameOptions<T, R>,
): OperatorFunction<FrameArrival<T>, R> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return (arrivals) =>
    new Observable<R>((subscriber) => {
      const waiting: Array<{ payload: T; arrivedAt: number } | undefined> = new Array(
        options.cameraCount,
      ).fill(undefined);
      const dropped = new Array<number>(options.cameraCount).fill(0);
      let busy = false;
      let inputDone = false;
      let lastBatchAt: number | undefined;
      let wakeUp: Subscription | undefined;
      let inFlight: Subscription | undefined;

      const finishIfDone = (): void => {
        if (inputDone && !busy) subscriber.complete();
      };

      const scheduleCheck = (delayMs: number): void => {
        wakeUp?.unsubscribe();
        wakeUp = scheduler.schedule(
          () => {
            wakeUp = undefined;
            dispatch();
          },
          Math.max(0, delayMs),
        );
      };

      const dispatch = (): void => {
        if (busy || inputDone) return;
        const filled = waiting.flatMap((slot, camera) => (slot === undefined ? [] : [{ camera, slot }]));
        if (filled.length === 0) return;
        const now = scheduler.now();
        const { syncWindowMs, maxRateHz } = options.settings();
        if (maxRateHz > 0 && lastBatchAt !== undefined) {
          const earliest = lastBatchAt + 1000 / maxRateHz;
          if (now < earliest) return scheduleCheck(earliest - now);
        }
        if (filled.length < options.cameraCount && syncWindowMs > 0) {
          const oldest = Math.min(...filled.map(({ slot }) => slot.arrivedAt));
          if (now < oldest + syncWindowMs) return scheduleCheck(oldest + syncWindowMs - now);
        }
        wakeUp?.unsubscribe();
        wakeUp = undefined;
        const batch: BatchItem<T>[] = filled.map(({ camera, slot }) => {
          const item = { camera, payload: slot.payload, droppedBefore: dropped[camera] };
          waiting[camera] = undefined;
          dropped[camera] = 0;
          return item;
        });
        busy = true;
        lastBatchAt = now;
        const done = (): void => {
          busy = false;
          inFlight = undefined;
          finishIfDone();
          dispatch();
        };
        let source: Observable<R>;
        try {
          source = from(options.process(batch));
        } catch (error) {
          options.onError?.(error);
          scheduler.schedule(done);
          return;
        }
        let finished = false;
        const running = source.subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            finished = true;
            options.onError?.(error);
            done();
          },
          complete: () => {
            finished = true;
            done();
          },
        });
        // A source that finished synchronously has already let the next batch start.
        if (!finished) inFlight = running;
      };

      const input = arrivals.subscribe({
        next: ({ camera, payload }) => {
          if (!Number.isInteger(camera) || camera < 0 || camera >= options.cameraCount) return;
          if (waiting[camera] !== undefined) {
            dropped[camera] += 1;
            options.onDrop?.(camera, busy ? "busy" : "throttled");
          }
          waiting[camera] = { payload, arrivedAt: scheduler.now() };
          dispatch();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          inputDone = true;
          wakeUp?.unsubscribe();
          waiting.fill(undefined);
          finishIfDone();
        },
      });

      return () => {
        input.unsubscribe();
        wakeUp?.unsubscribe();
        inFlight?.unsubscribe();
      };
    });
}
