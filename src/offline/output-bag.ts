/**
 * The output bag, written in a worker thread or in the main thread. On camera-sized images the
 * writer's work (copying into chunks, CRC, zstd) is the largest single cost of a run; in its own
 * thread it runs beside reading, the engine and the frame workers. Uses only the public BagWriter.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { BagMetadata } from "../bag/rosbag2-metadata";
import type { BufferPool } from "./buffer-pool";
import {
  type BagWriter,
  type BagWriterOptions,
  type BagWriterTopic,
  createBagWriter,
} from "../bag/rosbag2-writer";

/** BagWriterOptions that can cross to a thread: schemas come with the topics, not from a registry. */
export type OutputBagOptions = Omit<BagWriterOptions, "registry">;

/**
 * What becomes of a message's bytes once given to `OutputBag.write`:
 * - `copy`: they stay the caller's; the bag copies them (a view into a larger buffer, a reader's chunk);
 * - `take`: `data` and its whole buffer are the bag's and must not be used again (no copy);
 * - `recycle`: as `take`, and once written the buffer goes to the bag's BufferPool for another
 *   frame (openOutputBag's `buffers`).
 */
export type Handover = "copy" | "take" | "recycle";

export interface OutputBag {
  /** The bag directory, resolved. */
  readonly dir: string;
  addTopic(topic: BagWriterTopic): Promise<void>;
  /** Writes an MCAP Metadata record (the input's, carried over; see output-setup.ts). */
  addMetadata(name: string, metadata: Readonly<Record<string, string>>): Promise<void>;
  /**
   * Queues one message; `data` is the caller's as `handover` says. Resolves when the writer can
   * take more, not when written.
   */
  write(topic: string, logTimeNs: bigint, data: Uint8Array, handover?: Handover): Promise<void>;
  /** Finishes the bag (also after errors); rejects with the first write error, if any. */
  close(): Promise<BagMetadata>;
  /** Milliseconds spent compressing chunks, in whichever thread wrote; complete once closed. */
  readonly compressMs: number;
}

/**
 * Opens `dir` as an output bag; refuses it as createBagWriter does (exists, overlaps an input).
 * Buffers written with `recycle` come back to `buffers` once written: from the thread, or at once
 * when the bag is written inline.
 */
export async function openOutputBag(
  dir: string,
  options: OutputBagOptions,
  thread: boolean,
  buffers?: BufferPool,
): Promise<OutputBag> {
  if (!thread) return new InlineOutput(await createBagWriter(dir, options), buffers);
  return ThreadOutput.open(dir, options, buffers);
}

class InlineOutput implements OutputBag {
  readonly #writer: BagWriter;
  readonly #buffers: BufferPool | undefined;

  constructor(writer: BagWriter, buffers: BufferPool | undefined) {
    this.#writer = writer;
    this.#buffers = buffers;
  }

  get dir(): string {
    return this.#writer.dir;
  }

  get compressMs(): number {
    return this.#writer.compressMs;
  }

  addTopic(topic: BagWriterTopic): Promise<void> {
    return this.#writer.addTopic(topic);
  }

  addMetadata(name: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    return this.#writer.addMetadata(name, metadata);
  }

  async write(
    topic: string,
    logTimeNs: bigint,
    data: Uint8Array,
    handover: Handover = "copy",
  ): Promise<void> {
    await this.#writer.write(topic, logTimeNs, data);
    // BagWriter.write has copied the bytes by now.
    if (handover === "recycle") this.#buffers?.give(data.buffer as ArrayBuffer);
  }

  close(): Promise<BagMetadata> {
    return this.#writer.close();
  }
}

/** Messages to the writer thread (output-bag-worker.ts). */
export type ToWriter =
  | { readonly type: "open"; readonly dir: string; readonly options: OutputBagOptions }
  | { readonly type: "topic"; readonly topic: BagWriterTopic }
  | { readonly type: "metadata"; readonly name: string; readonly metadata: Readonly<Record<string, string>> }
  | {
      readonly type: "write";
      readonly topic: string;
      readonly logTimeNs: bigint;
      readonly data: Uint8Array;
      /** Send the buffer back once written. */
      readonly recycle: boolean;
    }
  | { readonly type: "close" };

export type FromWriter =
  | { readonly type: "opened"; readonly dir: string }
  /** A topic or metadata record was added (or failed: the error comes as its own message). */
  | { readonly type: "declared" }
  | { readonly type: "ack"; readonly bytes: number }
  | { readonly type: "recycled"; readonly buffer: ArrayBuffer }
  | {
      readonly type: "closed";
      readonly metadata?: BagMetadata;
      readonly error?: string;
      readonly compressMs: number;
    }
  | { readonly type: "error"; readonly message: string };

/** Bytes queued to the thread before `write` waits, so a slow disk cannot fill the memory. */
const MAX_IN_FLIGHT = 64 << 20;

class ThreadOutput implements OutputBag {
  readonly dir: string;
  /** Reported by the thread when it closes the bag. */
  compressMs = 0;
  readonly #worker: Worker;
  #sent = 0;
  #acked = 0;
  #error: Error | undefined;
  #wakeAck: (() => void) | undefined;
  #declared: (() => void)[] = [];
  #closed: ((reply: FromWriter & { type: "closed" }) => void) | undefined;

  readonly #buffers: BufferPool | undefined;

  private constructor(worker: Worker, dir: string, buffers: BufferPool | undefined) {
    this.#worker = worker;
    this.dir = dir;
    this.#buffers = buffers;
    worker.on("message", (message: FromWriter) => this.#receive(message));
    worker.on("error", (error: Error) => this.#fail(error));
  }

  static open(
    dir: string,
    options: OutputBagOptions,
    buffers: BufferPool | undefined,
  ): Promise<ThreadOutput> {
    const worker = new Worker(path.join(__dirname, "output-bag-worker.js"));
    return new Promise((resolve, reject) => {
      const first = (message: FromWriter): void => {
        worker.off("message", first);
        worker.off("error", reject);
        if (message.type === "opened") resolve(new ThreadOutput(worker, message.dir, buffers));
        else {
          void worker.terminate();
          reject(
            new Error(
              message.type === "error" ? message.message : `writer thread: unexpected ${message.type}`,
            ),
          );
        }
      };
      worker.on("message", first);
      worker.on("error", reject);
      worker.postMessage({ type: "open", dir, options } satisfies ToWriter);
    });
  }

  #receive(message: FromWriter): void {
    switch (message.type) {
      case "ack":
        this.#acked = message.bytes;
        this.#wake();
        break;
      case "recycled":
        this.#buffers?.give(message.buffer);
        break;
      case "declared":
        this.#declared.shift()?.();
        break;
      case "closed":
        this.#closed?.(message);
        break;
      case "error":
        this.#fail(new Error(message.message));
        break;
    }
  }

  #fail(error: Error): void {
    this.#error ??= error;
    this.#wake();
    for (const reply of this.#declared.splice(0)) reply();
  }

  #wake(): void {
    const wake = this.#wakeAck;
    this.#wakeAck = undefined;
    wake?.();
  }

  addTopic(topic: BagWriterTopic): Promise<void> {
    return this.#declare({ type: "topic", topic });
  }

  addMetadata(name: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    return this.#declare({ type: "metadata", name, metadata });
  }

  #declare(message: ToWriter & { type: "topic" | "metadata" }): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#declared.push(() => (this.#error ? reject(this.#error) : resolve()));
      this.#worker.postMessage(message);
    });
  }

  async write(
    topic: string,
    logTimeNs: bigint,
    data: Uint8Array,
    handover: Handover = "copy",
  ): Promise<void> {
    if (this.#error) throw this.#error;
    // A taken message travels with its whole buffer, uncopied (a CDR message is a view of the
    // start of a buffer of its own); a borrowed view is copied, so the rest of its buffer stays.
    // Copying a camera-sized message costs a fresh 1 MB allocation per message.
    const payload = handover === "copy" ? data.slice() : data;
    this.#sent += payload.byteLength;
    const back = handover === "recycle" && this.#buffers?.wants(payload.buffer.byteLength) === true;
    this.#worker.postMessage(
      { type: "write", topic, logTimeNs, data: payload, recycle: back } satisfies ToWriter,
      [payload.buffer as ArrayBuffer],
    );
    while (this.#sent - this.#acked > MAX_IN_FLIGHT && !this.#error)
      await new Promise<void>((resolve) => (this.#wakeAck = resolve));
    if (this.#error) throw this.#error;
  }

  async close(): Promise<BagMetadata> {
    const reply = await new Promise<FromWriter & { type: "closed" }>((resolve) => {
      this.#closed = resolve;
      this.#worker.postMessage({ type: "close" } satisfies ToWriter);
    });
    await this.#worker.terminate();
    this.compressMs = reply.compressMs;
    if (reply.metadata === undefined) throw new Error(reply.error ?? "writer thread: the bag was not closed");
    if (this.#error) throw this.#error;
    return reply.metadata;
  }
}
