/**
 * Where the per-frame work (decode, preprocess, mask and overlay rendering, CDR encoding) runs:
 * in worker threads beside the main thread, which reads, runs the engine and hands the writer
 * its messages and, with the time that leaves, takes a share of the frames itself; or in the main
 * thread alone. A frame is rendered by the thread that prepared it.
 */
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { FloatImage } from "../image/frame";
import { BufferPool, fillsItsBuffer } from "./buffer-pool";
import type { ComparePrediction } from "./compare-outputs";
import type { FrameResult } from "./frame-outputs";
import {
  type FrameClock,
  FrameWork,
  type FrameWorkSettings,
  type Prepared,
  type Rendered,
} from "./frame-work";

/** Messages from the main thread to a worker. */
export type ToWorker =
  | { readonly type: "prepare"; readonly id: number; readonly compressed: boolean; readonly data: Uint8Array }
  | {
      readonly type: "render";
      readonly id: number;
      readonly mask: FloatImage;
      readonly curvature: number;
      readonly clock: FrameClock;
      readonly keepOverlay: boolean;
      readonly compare?: ComparePrediction;
      /**
       * Written buffers back from the writer thread, of the lengths this worker's rendered messages
       * had, for it to render into again (buffer-pool.ts).
       */
      readonly spare: readonly ArrayBuffer[];
    }
  | { readonly type: "drop"; readonly id: number };

type FromWorker =
  /** Sent once, when the worker has loaded its modules and takes frames without delay. */
  | { readonly type: "ready"; readonly id?: undefined }
  | {
      readonly type: "prepared";
      readonly id: number;
      readonly prepared: Prepared;
      /** The message bytes the worker was sent, handed back here for a frame not rendered. */
      readonly data?: Uint8Array;
    }
  | {
      readonly type: "rendered";
      readonly id: number;
      readonly result?: FrameResult;
      readonly renderMs?: number;
      readonly error?: string;
      /** The message bytes the worker was sent, handed back once the frame (a view of them) is done. */
      readonly data?: Uint8Array;
    };

/**
 * A prepared or rendered frame, and, when the message had to be copied for a worker, that copy
 * handed back: a buffer of its own, which the caller may hand on (to the output bag) instead of
 * copying again, and give back to the BufferPool once written. The worker decodes an rgb8 or mono8 frame as a view of its copy, so the copy
 * comes back with the rendered frame, or with the prepared one when the frame cannot be rendered.
 */
export type PreparedFrame = Prepared & { readonly ownCopy?: Uint8Array };
export type RenderedFrame = Rendered & { readonly ownCopy?: Uint8Array };

export interface FramePool {
  /** Worker threads in use; 0 when the work runs in the main thread. */
  readonly threads: number;
  prepare(id: number, compressed: boolean, data: Uint8Array): Promise<PreparedFrame>;
  /** The overlay frame comes back only with `keepOverlay` (it costs a transfer). */
  render(
    id: number,
    mask: FloatImage,
    curvature: number,
    clock: FrameClock,
    keepOverlay: boolean,
    /** The compared model's prediction, with `--compare`. */
    compare?: ComparePrediction,
  ): Promise<RenderedFrame>;
  drop(id: number): void;
  /** Resolves once every worker has started (a run does not wait: the main thread stands in). */
  started(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Frame workers by default: the cores left once the main thread (reading, the engine, its share of
 * the frames) and the writer thread have one each, 0 to 4. On 2 cores a frame worker is a third
 * busy thread: its start, the copies to it and its own garbage collection cost more than it takes
 * off the main thread (the bag bench, alternated: lz4 8.1x with one, 9.5x without).
 */
export function defaultFrameThreads(cores = os.availableParallelism()): number {
  return Math.max(0, Math.min(4, cores - 2));
}

/** Whether the output bag is written in a thread of its own by default: when there is a second core. */
export function defaultWriterThread(cores = os.availableParallelism()): boolean {
  return cores > 1;
}

/** A pool of `threads` workers, or the main thread itself for 0. */
export function createFramePool(
  settings: FrameWorkSettings,
  threads: number,
  buffers?: BufferPool,
): FramePool {
  const pool = buffers ?? new BufferPool();
  return threads > 0 ? new WorkerPool(settings, threads, pool) : new InlinePool(settings, pool);
}

class InlinePool implements FramePool {
  readonly threads = 0;
  readonly #work: FrameWork;

  constructor(settings: FrameWorkSettings, buffers: BufferPool) {
    this.#work = new FrameWork(settings, buffers);
  }

  prepare(id: number, compressed: boolean, data: Uint8Array): Promise<PreparedFrame> {
    // A bag message's bytes are never reused or written while its frame is in flight.
    return this.#work.prepare(id, compressed, data, true);
  }

  async render(
    id: number,
    mask: FloatImage,
    curvature: number,
    clock: FrameClock,
    keepOverlay: boolean,
    compare?: ComparePrediction,
  ): Promise<RenderedFrame> {
    return this.#work.render(id, mask, curvature, clock, keepOverlay, compare);
  }

  drop(id: number): void {
    this.#work.drop(id);
  }

  async started(): Promise<void> {}

  async close(): Promise<void> {}
}

interface Waiting {
  readonly resolve: (value: FromWorker) => void;
  readonly reject: (error: Error) => void;
}

const MAIN = -1;

class WorkerPool implements FramePool {
  readonly threads: number;
  readonly #workers: Worker[];
  /**
   * Whether each worker has started: until it has, its share of the frames is prepared in the main
   * thread, which would otherwise wait for it at the run's first batch.
   */
  readonly #ready: boolean[];
  readonly #allReady: Promise<void>;
  /** The worker that holds each prepared frame; MAIN for the main thread's own share. */
  readonly #owner = new Map<number, number>();
  /** The main thread's share of the frames: it only reads, runs the engine and waits otherwise. */
  readonly #main: FrameWork;
  readonly #waiting = new Map<string, Waiting>();
  /** Where the copies of messages sent to a worker come from (and, once written, go back to). */
  readonly #buffers: BufferPool;
  /** The lengths of the whole-buffer messages the workers rendered (BufferPool-sized ones). */
  readonly #renderedLengths = new Set<number>();
  #next = 0;
  #failure: Error | undefined;

  constructor(settings: FrameWorkSettings, threads: number, buffers: BufferPool) {
    this.threads = threads;
    this.#buffers = buffers;
    this.#main = new FrameWork(settings, buffers);
    this.#ready = Array.from({ length: threads }, () => false);
    const starts: Promise<void>[] = [];
    this.#workers = Array.from({ length: threads }, (_, k) => {
      const worker = new Worker(path.join(__dirname, "frame-worker.js"), { workerData: settings });
      let started = (): void => undefined;
      starts.push(new Promise<void>((resolve) => (started = resolve)));
      worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") {
          this.#ready[k] = true;
          started();
          return;
        }
        const key = `${message.type}:${message.id}`;
        const waiting = this.#waiting.get(key);
        this.#waiting.delete(key);
        waiting?.resolve(message);
      });
      const fail = (error: Error): void => {
        started(); // started() resolves; what is asked of the pool after a failure rejects
        this.#failure ??= new Error(`frame worker ${k} failed: ${error.message}`, { cause: error });
        for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
        this.#waiting.clear();
      };
      worker.on("error", fail);
      worker.on("exit", (code) => {
        if (code !== 0) fail(new Error(`exited with code ${code}`));
      });
      return worker;
    });
    this.#allReady = Promise.all(starts).then(() => undefined);
  }

  started(): Promise<void> {
    return this.#allReady;
  }

  #ask(worker: number, key: string, message: ToWorker, transfer: ArrayBuffer[]): Promise<FromWorker> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting.set(key, { resolve, reject });
      this.#workers[worker].postMessage(message, transfer);
    });
  }

  async prepare(id: number, compressed: boolean, data: Uint8Array): Promise<PreparedFrame> {
    // Of every 2 * threads + 1 frames, each worker takes two and the main thread one.
    const slot = this.#next;
    this.#next = (this.#next + 1) % (2 * this.#workers.length + 1);
    const worker = slot % this.#workers.length;
    if (slot === 2 * this.#workers.length || !this.#ready[worker]) {
      this.#owner.set(id, MAIN);
      // The message stays the main thread's (borrowed, not copied): see InlinePool.
      const prepared = await this.#main.prepare(id, compressed, data, true);
      if (!prepared.ok) this.#owner.delete(id);
      return prepared;
    }
    this.#owner.set(id, worker);
    const copy = this.#buffers.copy(data);
    const reply = await this.#ask(worker, `prepared:${id}`, { type: "prepare", id, compressed, data: copy }, [
      copy.buffer,
    ]);
    if (reply.type !== "prepared")
      throw new Error(`frame worker: expected prepared ${id}, got ${reply.type}`);
    if (!reply.prepared.ok) this.#owner.delete(id);
    return reply.data === undefined ? reply.prepared : { ...reply.prepared, ownCopy: reply.data };
  }

  async render(
    id: number,
    mask: FloatImage,
    curvature: number,
    clock: FrameClock,
    keepOverlay: boolean,
    compare?: ComparePrediction,
  ): Promise<RenderedFrame> {
    const worker = this.#owner.get(id);
    if (worker === undefined) throw new Error(`frame ${id} was not prepared`);
    this.#owner.delete(id);
    if (worker === MAIN) return this.#main.render(id, mask, curvature, clock, keepOverlay, compare);
    const spare: ArrayBuffer[] = [];
    for (const length of this.#renderedLengths) {
      const buffer = this.#buffers.take(length);
      if (buffer !== undefined) spare.push(buffer);
    }
    const transfer = [mask.data.buffer as ArrayBuffer, ...spare];
    if (compare !== undefined) transfer.push(compare.mask.data.buffer as ArrayBuffer);
    const reply = await this.#ask(
      worker,
      `rendered:${id}`,
      { type: "render", id, mask, curvature, clock, keepOverlay, compare, spare },
      transfer,
    );
    if (reply.type !== "rendered" || reply.result === undefined || reply.renderMs === undefined)
      throw new Error(
        `frame worker: rendering frame ${id} failed: ${reply.type === "rendered" ? reply.error : reply.type}`,
      );
    this.#learnLengths(reply.result);
    return { result: reply.result, renderMs: reply.renderMs, ownCopy: reply.data };
  }

  /** Notes the lengths of a rendered frame's camera-sized messages, to send such buffers back. */
  #learnLengths(result: FrameResult): void {
    const messages = [...Object.values(result.messages), ...Object.values(result.compare?.messages ?? {})];
    for (const message of messages) {
      // A few lengths per camera; many cameras of many sizes only cost the pool's hits.
      if (
        fillsItsBuffer(message) &&
        this.#buffers.wants(message.byteLength) &&
        this.#renderedLengths.size < 16
      )
        this.#renderedLengths.add(message.byteLength);
    }
  }

  drop(id: number): void {
    const worker = this.#owner.get(id);
    this.#owner.delete(id);
    if (worker === MAIN) return this.#main.drop(id);
    if (worker !== undefined && !this.#failure) this.#workers[worker].postMessage({ type: "drop", id });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
