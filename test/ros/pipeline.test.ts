import assert from "node:assert/strict";
import { map, type Observable, timer } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import {
  type BatchItem,
  type DropCause,
  type FrameArrival,
  latestFrameBatches,
  type SchedulingSettings,
} from "../../src/ros/pipeline";

/** Frames as marbles: letter = camera 0 frame, digit = camera 1 frame; the batch is printed as its payloads. */
function run(
  marbles: string,
  settings: SchedulingSettings,
  processMs: number,
  cameraCount = 1,
): { batches: string[]; drops: Array<[number, DropCause]> } {
  const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
  const batches: string[] = [];
  const drops: Array<[number, DropCause]> = [];
  scheduler.run(({ cold }) => {
    const arrivals: Observable<FrameArrival<string>> = cold(marbles).pipe(
      map((payload: string) => ({ camera: /\d/.test(payload) ? 1 : 0, payload })),
    );
    arrivals
      .pipe(
        latestFrameBatches<string, string>({
          cameraCount,
          settings: () => settings,
          scheduler,
          onDrop: (camera, cause) => drops.push([camera, cause]),
          process: (batch: readonly BatchItem<string>[]) =>
            timer(processMs, scheduler).pipe(
              map(
                () =>
                  `${scheduler.now()}:${batch.map((item) => `${item.payload}${item.droppedBefore > 0 ? `-${item.droppedBefore}` : ""}`).join("+")}`,
              ),
            ),
        }),
      )
      .subscribe((batch) => batches.push(batch));
  });
  return { batches, drops };
}

describe("latestFrameBatches (RxJS TestScheduler)", () => {
  it("passes every frame when the engine keeps up", () => {
    const { batches, drops } = run("a 9ms b 9ms c", { syncWindowMs: 0, maxRateHz: 0 }, 5);
    assert.deepEqual(batches, ["5:a", "15:b", "25:c"]);
    assert.deepEqual(drops, []);
  });

  it("keeps only the newest waiting frame while the engine is busy", () => {
    // Frames every 2 ms, the engine takes 10 ms: b..e arrive during a's run, only e waits.
    const { batches, drops } = run("a 1ms b 1ms c 1ms d 1ms e", { syncWindowMs: 0, maxRateHz: 0 }, 10);
    assert.deepEqual(batches, ["10:a", "20:e-3"]);
    assert.deepEqual(drops, [
      [0, "busy"],
      [0, "busy"],
      [0, "busy"],
    ]);
  });

  it("batches two cameras within the sync window and sends a lone camera when it closes", () => {
    const { batches } = run("a 2ms 1 20ms b", { syncWindowMs: 5, maxRateHz: 0 }, 1, 2);
    // a at 0, 1 at 3: one batch at 3, done at 4. b at 24 alone: waits 5 ms, done at 30.
    assert.deepEqual(batches, ["4:a+1", "30:b"]);
  });

  it("spaces batches out to max_rate_hz, replacing held-back frames", () => {
    const { batches, drops } = run("a 9ms b 9ms c 9ms d 9ms e", { syncWindowMs: 0, maxRateHz: 25 }, 1);
    // 25 Hz: a batch at most every 40 ms. b, c, d arrive before 40; e at 40.
    assert.deepEqual(batches, ["1:a", "41:e-3"]);
    assert.ok(drops.every(([, cause]) => cause === "throttled"));
  });

  it("completes after the batch in flight when the input completes", () => {
    const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
    scheduler.run(({ cold, expectObservable }) => {
      const arrivals = cold<FrameArrival<string>>("a 1ms (b|)", {
        a: { camera: 0, payload: "a" },
        b: { camera: 0, payload: "b" },
      });
      const out = arrivals.pipe(
        latestFrameBatches<string, string>({
          cameraCount: 1,
          settings: () => ({ syncWindowMs: 0, maxRateHz: 0 }),
          scheduler,
          process: (batch) => timer(5, scheduler).pipe(map(() => batch[0].payload)),
        }),
      );
      // a is processed (done at 5); b was waiting at completion and is discarded.
      expectObservable(out).toBe("5ms (a|)");
    });
  });

  it("carries on after a failing batch", () => {
    const errors: unknown[] = [];
    const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
    scheduler.run(({ cold, expectObservable }) => {
      const arrivals = cold<FrameArrival<string>>("a 4ms b", {
        a: { camera: 0, payload: "a" },
        b: { camera: 0, payload: "b" },
      });
      const out = arrivals.pipe(
        latestFrameBatches<string, string>({
          cameraCount: 1,
          settings: () => ({ syncWindowMs: 0, maxRateHz: 0 }),
          scheduler,
          onError: (error) => errors.push(error),
          process: (batch) => {
            if (batch[0].payload === "a") throw new Error("boom");
            return timer(1, scheduler).pipe(map(() => batch[0].payload));
          },
        }),
      );
      expectObservable(out).toBe("6ms b");
    });
    assert.equal(errors.length, 1);
  });
});
