/**
 * The offline pipeline behind `visualbackprop bag`: reads a recording in log-time order, runs the
 * camera frames through the engine in batches, and writes a new bag with every input message
 * copied unchanged plus the node's four outputs per frame, stamped with the camera's header stamp
 * and logged at the camera message's log time. The output is always closed (finalised), also when
 * the run is aborted or fails, so it holds every frame processed until then.
 *
 * The main thread reads and runs the engine; frames are decoded, preprocessed and rendered in the
 * frame pool (the main thread itself, or frame workers where there are cores to spare) and the
 * output is written in its own thread, so batch k is written while batch k+1 is read. Messages are
 * written in input order all the same.
 */
import { performance } from "node:perf_hooks";
import { isPartial, type BagProblem } from "../bag/problems";
import type { RosSerializer } from "../bag/ros-serializer";
import { stampToNs } from "../bag/ros-types";
import { openBag } from "../bag/rosbag2-open";
import type { BagMessage, BagReader } from "../bag/rosbag2-types";
import { createSerializer } from "../bag/serializer-factory";
import type { ColorMap } from "../image/colormap";
import type { LoadedModel } from "../frame/model-port";
import type { SteeringGeometry } from "../frame/steering";
import {
  type CameraPlan,
  type CompareKind,
  type OutputKind,
  OUTPUT_KINDS,
  planCameras,
} from "./camera-topics";
import { BufferPool, fillsItsBuffer } from "./buffer-pool";
import type { FrameResult } from "./frame-outputs";
import {
  createFramePool,
  defaultFrameThreads,
  defaultWriterThread,
  type FramePool,
  type PreparedFrame,
  type RenderedFrame,
} from "./frame-pool";
import { epochMs, type Rendered } from "./frame-work";
import { AspectWarning, type FramePrediction, isNonFinite, predictionOf } from "../frame/frame-path";
import type { Handover, OutputBag } from "./output-bag";
import { openOutput } from "./output-setup";
import { RecordedSteering } from "./recorded-steering";
import { RunStats } from "./run-stats";
import type { ComparisonRun } from "./comparison-stats";
import { sameSpec } from "./frame-work";

export interface ProcessBagOptions {
  readonly input: string;
  /** `input` already open (the CLI checks it first): read once, left open for the caller to close. */
  readonly reader?: BagReader;
  readonly output: string;
  /** Replace an existing output bag directory. */
  readonly force?: boolean;
  /** A loaded model (src/frame/model-loader.ts); the caller owns and releases it. */
  readonly model: LoadedModel;
  /**
   * A second model to run on every frame beside `model` (`--compare`): its outputs go to
   * `/visualbackprop/<camera>/compare/...` with a SaliencyComparison per frame. The caller owns it.
   */
  readonly compare?: LoadedModel;
  /** Camera topics; default every Image and CompressedImage topic. */
  readonly topics?: readonly string[];
  /** Frames per engine run, default 16. */
  readonly batch?: number;
  readonly colorMap: ColorMap;
  readonly opacity: number;
  readonly geometry: SteeringGeometry;
  /** A recorded steering topic to read beside the predictions. */
  readonly steeringTopic?: string;
  /** Aborting stops reading; frames read so far are finished and the output is closed. */
  readonly signal?: AbortSignal;
  /** Called after every batch. */
  readonly onProgress?: (progress: Progress) => void;
  /** Called for every processed frame, in log-time order, after its messages are written. */
  readonly onFrame?: (frame: ProcessedFrame) => void | Promise<void>;
  /** Worker threads for decoding, preprocessing and rendering; 0 runs them in the main thread. */
  readonly threads?: number;
  /** Write the output bag in its own thread; default: when the machine has a second core. */
  readonly writerThread?: boolean;
  /** The outputs written per frame, default all four; the others are not rendered. */
  readonly outputs?: readonly OutputKind[];
  /** Output chunk compression, default zstd. */
  readonly compression?: "zstd" | "lz4" | "none";
  /** Output zstd level, default ZSTD_FAST_LEVEL (output-setup.ts). */
  readonly zstdLevel?: number;
}

export interface Progress {
  /** Camera messages handled (processed or skipped). */
  readonly frames: number;
  /** Camera messages the bag says it holds; 0 when unknown. */
  readonly total: number;
  readonly elapsedMs: number;
}

export interface ProcessedFrame {
  readonly camera: CameraPlan;
  /** Index of the frame among its camera's processed frames. */
  readonly index: number;
  readonly logTimeNs: bigint;
  /** The camera message's header stamp, ns. */
  readonly stampNs: bigint;
  readonly result: FrameResult;
}

/** How a run ended: everything, with input damage or skipped frames, or stopped early. */
export type RunStatus = "complete" | "partial" | "interrupted";

export interface BagRunResult {
  readonly status: RunStatus;
  /** The abort reason (e.g. "SIGINT") when interrupted. */
  readonly interruptedBy?: string;
  readonly input: string;
  readonly output: string;
  readonly cameras: readonly CameraPlan[];
  readonly stats: RunStats;
  /** What the reader could not read. */
  readonly problems: readonly BagProblem[];
  readonly recorded?: RecordedSteering;
  readonly modelName: string;
  readonly provider: string;
  readonly batch: number;
  /** Worker threads that decoded, preprocessed and rendered (0: the main thread). */
  readonly threads: number;
  readonly wallMs: number;
  readonly outputMessages: number;
  /**
   * Input messages read, and the count metadata.yaml lists when the bag has one: with damage,
   * their difference is what was lost; without a listed count the loss may be unknown.
   */
  readonly inputMessages: { readonly read: number; readonly listed?: number };
  /** The outputs written per frame. */
  readonly outputs: readonly OutputKind[];
  /** Things worth telling that did not stop the run. */
  readonly notes: readonly string[];
  /** With `compare`: the compared model and every frame's comparison. */
  readonly comparison?: ComparisonRun;
}

interface PendingFrame {
  readonly id: number;
  readonly camera: CameraPlan;
  readonly message: BagMessage;
  /** When the message was read (FrameClock's epoch ms). */
  readonly arrivedAt: number;
  readonly prepared: Promise<PreparedFrame>;
  /** The batch the frame ran in, once it has. */
  batch?: number;
  /** Its results; undefined for a skipped frame. */
  rendered?: Promise<RenderedFrame>;
}

type Entry = { readonly frame: PendingFrame } | { readonly copy: BagMessage };

/** Processes a bag; see the module comment. Rejects for unusable input or output, before writing. */
export async function processBag(options: ProcessBagOptions): Promise<BagRunResult> {
  const batchSize = options.batch ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batch: expected an integer >= 1, got ${batchSize}`);
  const reader = options.reader ?? (await openBag(options.input));
  try {
    const run = await BagRun.start(reader, options, batchSize);
    return await run.execute();
  } finally {
    if (options.reader === undefined) await reader.close();
  }
}

class BagRun {
  readonly #reader: BagReader;
  readonly #options: ProcessBagOptions;
  readonly #batchSize: number;
  readonly #serializer: RosSerializer;
  readonly #cameras: CameraPlan[];
  readonly #byTopic: Map<string, CameraPlan>;
  readonly #skipTopics: Set<string>;
  readonly #recorded: RecordedSteering | undefined;
  readonly #stats: RunStats;
  readonly #notes: string[] = [];
  readonly #queue: Entry[] = [];
  readonly #outputs: readonly OutputKind[];
  #pool: FramePool | undefined;
  #batch: PendingFrame[] = [];
  #batches = 0;
  #nextId = 0;
  #input: Float32Array = new Float32Array(0);
  #compareInput: Float32Array = new Float32Array(0);
  readonly #comparison: ComparisonRun | undefined;
  #writer: OutputBag | undefined;
  #startMs = 0;
  #handled = 0;
  #messagesRead = 0;
  readonly #aspect: AspectWarning;
  /**
   * Camera-sized buffers for the input messages' bytes and the frame workers' copies of them;
   * each comes back once the writer has written it (buffer-pool.ts).
   */
  readonly #buffers = new BufferPool();
  /** Input message bytes in a pooled buffer of their own (the reader's copyOut), not yet written. */
  readonly #pooled = new WeakSet<Uint8Array>();

  private constructor(reader: BagReader, options: ProcessBagOptions, batchSize: number) {
    this.#reader = reader;
    this.#options = options;
    this.#aspect = new AspectWarning(options.model);
    this.#batchSize = batchSize;
    this.#serializer = createSerializer(reader);
    this.#cameras = planCameras(reader.topics, options.topics, reader.path);
    this.#byTopic = new Map(this.#cameras.map((c) => [c.topic, c]));
    this.#comparison = options.compare && {
      modelName: options.compare.name,
      provider: options.compare.engine.provider,
      sharedInput: sameSpec(options.compare.preprocess, options.model.preprocess),
      cameras: this.#cameras.map(() => []),
    };
    this.#recorded =
      options.steeringTopic !== undefined
        ? RecordedSteering.forTopic(this.#serializer, reader.topics, options.steeringTopic)
        : undefined;
    this.#stats = new RunStats(this.#cameras.length);
    const asked = new Set(options.outputs ?? OUTPUT_KINDS);
    this.#outputs = OUTPUT_KINDS.filter((kind) => asked.has(kind));
    const outputs = new Set(
      this.#cameras.flatMap((c) => [
        ...Object.values(c.outputs),
        ...(options.compare ? Object.values(c.compare) : []),
      ]),
    );
    this.#skipTopics = new Set(reader.topics.filter((t) => outputs.has(t.name)).map((t) => t.name));
    for (const name of this.#skipTopics)
      this.#notes.push(
        `input topic ${name} is one this run writes; the input's messages on it were not copied`,
      );
  }

  static async start(reader: BagReader, options: ProcessBagOptions, batchSize: number): Promise<BagRun> {
    const run = new BagRun(reader, options, batchSize);
    const threads = options.threads ?? defaultFrameThreads();
    const buffers = run.#buffers;
    run.#writer = await openOutput({
      buffers,
      reader,
      registry: run.#serializer.registry,
      cameras: run.#cameras,
      skipTopics: run.#skipTopics,
      notes: run.#notes,
      options,
      thread: options.writerThread ?? defaultWriterThread(),
      outputs: run.#outputs,
    });
    const { model } = options;
    const { channels, height, width } = model.engine.inputShape;
    try {
      run.#pool = createFramePool(
        {
          modelName: model.name,
          method: model.engine.method,
          preprocess: model.preprocess,
          inputSize: channels * height * width,
          colorMap: options.colorMap,
          opacity: options.opacity,
          geometry: options.geometry,
          outputs: run.#outputs,
          compare: options.compare && {
            modelName: options.compare.name,
            method: options.compare.engine.method,
            preprocess: options.compare.preprocess,
            inputSize: elements(options.compare.engine.inputShape),
          },
        },
        threads,
        buffers,
      );
    } catch (error) {
      await run.#writer.close().catch(() => undefined);
      throw error;
    }
    return run;
  }

  async execute(): Promise<BagRunResult> {
    const writer = this.#writer as OutputBag;
    const pool = this.#pool as FramePool;
    const signal = this.#options.signal;
    this.#startMs = performance.now();
    let failure: unknown;
    try {
      let readStart = performance.now();
      const copyOut = (bytes: Uint8Array): Uint8Array => {
        const own = this.#buffers.copy(bytes);
        this.#pooled.add(own);
        return own;
      };
      for await (const message of this.#reader.messages({ copyOut })) {
        this.#stats.addTime("read", performance.now() - readStart);
        if (signal?.aborted) break;
        this.#messagesRead += 1;
        await this.#accept(message);
        readStart = performance.now();
      }
      await this.#runBatch();
      await this.#flush(Infinity);
    } catch (error) {
      failure = error;
      await this.#flush(Infinity, true).catch(() => undefined);
    }
    await pool.close();
    let metadata;
    try {
      metadata = await writer.close();
    } catch (error) {
      failure ??= error;
    }
    this.#stats.addTime("compress", writer.compressMs);
    if (failure !== undefined) {
      const frames = this.#stats.processed;
      const error = failure instanceof Error ? failure : new Error(String(failure));
      error.message += ` (the output ${writer.dir} was closed and holds the ${frames} frame${frames === 1 ? "" : "s"} processed before)`;
      throw error;
    }
    const problems = this.#reader.problems;
    const interrupted = signal?.aborted === true;
    const status = interrupted
      ? "interrupted"
      : isPartial(problems) || this.#stats.skipped > 0
        ? "partial"
        : "complete";
    return {
      status,
      interruptedBy: interrupted ? reasonText(signal?.reason) : undefined,
      input: this.#reader.path,
      output: writer.dir,
      cameras: this.#cameras,
      stats: this.#stats,
      problems,
      recorded: this.#recorded,
      modelName: this.#options.model.name,
      provider: this.#options.model.engine.provider,
      batch: this.#batchSize,
      threads: pool.threads,
      wallMs: performance.now() - this.#startMs,
      outputMessages: metadata?.messageCount ?? 0,
      inputMessages: { read: this.#messagesRead, listed: this.#reader.listedMessageCount },
      outputs: this.#outputs,
      notes: this.#notes,
      comparison: this.#comparison,
    };
  }

  async #accept(message: BagMessage): Promise<void> {
    if (message.topic === this.#recorded?.topic) this.#recorded.add(message.logTimeNs, message.data);
    const camera = this.#byTopic.get(message.topic);
    if (camera === undefined) {
      if (this.#skipTopics.has(message.topic)) return;
      if (this.#queue.length === 0) await this.#copy(message);
      else this.#queue.push({ copy: message });
      return;
    }
    const id = this.#nextId++;
    const prepared = (this.#pool as FramePool).prepare(id, camera.compressed, message.data);
    // Awaited in #runBatch; this keeps a worker failure from being reported as unhandled meanwhile.
    prepared.catch(() => undefined);
    const frame: PendingFrame = { id, camera, message, arrivedAt: epochMs(), prepared };
    this.#queue.push({ frame });
    this.#batch.push(frame);
    if (this.#batch.length >= this.#batchSize) {
      await this.#runBatch();
      // Write up to this batch, waiting for its frames to be rendered before reading the next: the
      // writer thread is the slowest, and reading ahead of it only grows its backlog, which it then
      // works through alone at the end (writing only up to the batch before was slower).
      await this.#flush(this.#batches - 1);
    }
  }

  /** Runs the waiting frames through the engine and hands them to the pool for rendering. */
  async #runBatch(): Promise<void> {
    const frames = this.#batch;
    this.#batch = [];
    if (frames.length === 0) return;
    const pool = this.#pool as FramePool;
    const stats = this.#stats;
    const batchNumber = this.#batches++;
    const waitStart = performance.now();
    const prepared = await Promise.all(frames.map((f) => f.prepared));
    stats.addTime("wait", performance.now() - waitStart);
    const { model } = this.#options;
    const { channels, height, width } = model.engine.inputShape;
    const perImage = channels * height * width;
    if (this.#input.length < frames.length * perImage)
      this.#input = new Float32Array(this.#batchSize * perImage);
    const ready: { frame: PendingFrame; preprocessMs: number }[] = [];
    prepared.forEach((item, i) => {
      const frame = frames[i];
      frame.batch = batchNumber;
      stats.seen(frame.message.logTimeNs);
      this.#handled += 1;
      if (!item.ok) {
        stats.skip(frame.camera.index, item.reason);
        return;
      }
      const warning = this.#aspect.check(item.width, item.height);
      if (warning !== undefined) this.#notes.push(`camera ${frame.camera.name}: ${warning}`);
      stats.addTime("decode", item.decodeMs);
      stats.addTime("preprocess", item.preprocessMs);
      this.#input.set(item.tensor, ready.length * perImage);
      if (item.compareTensor !== undefined) this.#setCompareInput(item.compareTensor, ready.length);
      ready.push({ frame, preprocessMs: item.decodeMs + item.preprocessMs });
    });
    if (ready.length > 0) {
      const engineStart = performance.now();
      let result;
      try {
        result = await model.engine.run(this.#input.subarray(0, ready.length * perImage), ready.length);
      } catch (error) {
        for (const { frame } of ready) pool.drop(frame.id);
        throw error;
      }
      stats.addTime("engine", performance.now() - engineStart);
      const engineDoneAt = epochMs();
      let predictions: FramePrediction[];
      let compared: ComparedBatch | undefined;
      try {
        predictions = ready.map((_, i) => predictionOf(result, model.outputName, i));
        compared = await this.#runCompare(ready.length, perImage);
      } catch (error) {
        for (const { frame } of ready) pool.drop(frame.id);
        throw error;
      }
      const keepOverlay = this.#options.onFrame !== undefined;
      ready.forEach(({ frame, preprocessMs }, i) => {
        const { mask, curvature } = predictions[i];
        // A copy of its own: it is handed over to the frame's worker.
        const own = { width: mask.width, height: mask.height, data: mask.data.slice() };
        const clock = {
          preprocessMs,
          inferenceMs: result.runMs / ready.length,
          arrivedAt: frame.arrivedAt,
          engineDoneAt,
        };
        const other = compared?.predictions[i];
        if (isNonFinite(predictions[i]) || (other !== undefined && isNonFinite(other))) {
          stats.skip(frame.camera.index, "non-finite");
          pool.drop(frame.id);
          return;
        }
        const compare = other && {
          mask: { width: other.mask.width, height: other.mask.height, data: other.mask.data.slice() },
          curvature: other.curvature,
          inferenceMs: (compared as ComparedBatch).runMs / ready.length,
        };
        frame.rendered = pool.render(frame.id, own, curvature, clock, keepOverlay, compare);
        frame.rendered.catch(() => undefined);
      });
    }
    this.#options.onProgress?.({
      frames: this.#handled,
      total: this.#cameras.reduce((n, c) => n + c.messageCount, 0),
      elapsedMs: performance.now() - this.#startMs,
    });
  }

  /** Frame `slot`'s input for the compared model, when its spec differs from the main model's. */
  #setCompareInput(tensor: Float32Array, slot: number): void {
    const perImage = tensor.length;
    if (this.#compareInput.length < (slot + 1) * perImage)
      this.#compareInput = new Float32Array(this.#batchSize * perImage);
    this.#compareInput.set(tensor, slot * perImage);
  }

  /**
   * The compared model's run over the batch just run: on the main model's input when the two
   * share the spec, else on its own. A second engine run, not one merged graph, so either model
   * may be any ONNX file; its time counts as engine time.
   */
  async #runCompare(frames: number, mainPerImage: number): Promise<ComparedBatch | undefined> {
    const compare = this.#options.compare;
    if (compare === undefined || this.#comparison === undefined) return undefined;
    const perImage = elements(compare.engine.inputShape);
    const input = this.#comparison.sharedInput
      ? this.#input.subarray(0, frames * mainPerImage)
      : this.#compareInput.subarray(0, frames * perImage);
    const started = performance.now();
    const result = await compare.engine.run(input, frames);
    this.#stats.addTime("engine", performance.now() - started);
    return {
      runMs: result.runMs,
      predictions: Array.from({ length: frames }, (_, i) => predictionOf(result, compare.outputName, i)),
    };
  }

  /**
   * Writes the queue in input order (copies, camera messages, each processed frame's outputs) up to
   * and including the frames of batch `lastBatch`. `tolerant` writes what it can after a failure.
   */
  async #flush(lastBatch: number, tolerant = false): Promise<void> {
    while (this.#queue.length > 0) {
      const entry = this.#queue[0];
      if ("copy" in entry) {
        await this.#copy(entry.copy);
        this.#queue.shift();
        continue;
      }
      const { frame } = entry;
      if (frame.batch === undefined || frame.batch > lastBatch) {
        if (!tolerant) return;
        (this.#pool as FramePool).drop(frame.id);
        await this.#copy(frame.message);
        this.#queue.shift();
        continue;
      }
      let rendered: RenderedFrame | undefined;
      if (frame.rendered !== undefined) {
        const waitStart = performance.now();
        try {
          rendered = await frame.rendered;
        } catch (error) {
          if (!tolerant) throw error;
        }
        this.#stats.addTime("wait", performance.now() - waitStart);
      }
      await this.#copy(frame.message, rendered?.ownCopy ?? (await ownCopy(frame)));
      if (rendered !== undefined) await this.#writeOutputs(frame, rendered);
      this.#queue.shift();
    }
  }

  async #writeOutputs(frame: PendingFrame, rendered: Rendered): Promise<void> {
    const writer = this.#writer as OutputBag;
    const { result } = rendered;
    const started = performance.now();
    for (const kind of this.#outputs) {
      const data = result.messages[kind];
      if (data !== undefined)
        await writer.write(frame.camera.outputs[kind], frame.message.logTimeNs, data, handoverOf(data));
    }
    if (result.compare !== undefined) {
      for (const [kind, data] of Object.entries(result.compare.messages) as [CompareKind, Uint8Array][])
        await writer.write(frame.camera.compare[kind], frame.message.logTimeNs, data, handoverOf(data));
    }
    this.#stats.addTime("write", performance.now() - started);
    this.#stats.addTime("render", rendered.renderMs);
    const cameraStats = this.#stats.cameras[frame.camera.index];
    if (result.compare !== undefined)
      this.#comparison?.cameras[frame.camera.index].push({
        logTimeNs: frame.message.logTimeNs,
        index: cameraStats.processed,
        curvature: result.curvature,
        compareCurvature: result.compare.curvature,
        steeringWheelAngle: result.steeringWheelAngle,
        compareSteeringWheelAngle: result.compare.steeringWheelAngle,
        maskDifference: result.compare.maskDifference,
        topIou: result.compare.topIou,
      });
    this.#stats.processedFrame(frame.camera.index, {
      logTimeNs: frame.message.logTimeNs,
      curvature: result.curvature,
      steeringWheelAngle: result.steeringWheelAngle,
    });
    if (this.#options.onFrame === undefined) return;
    const prepared = await frame.prepared;
    await this.#options.onFrame({
      camera: frame.camera,
      index: cameraStats.processed - 1,
      logTimeNs: frame.message.logTimeNs,
      stampNs: prepared.ok ? stampToNs(prepared.header.stamp) : frame.message.logTimeNs,
      result,
    });
  }

  /** Writes an input message to the output bag; `ownCopy`, its bytes in a buffer of their own, is handed over uncopied. */
  async #copy(message: BagMessage, ownCopy?: Uint8Array): Promise<void> {
    const started = performance.now();
    const writer = this.#writer as OutputBag;
    if (ownCopy !== undefined) {
      await writer.write(message.topic, message.logTimeNs, ownCopy, "recycle");
      // The worker's copy was written; the message's own bytes are not needed any more.
      if (this.#pooled.delete(message.data)) this.#buffers.give(message.data.buffer as ArrayBuffer);
    } else if (this.#pooled.delete(message.data))
      await writer.write(message.topic, message.logTimeNs, message.data, "recycle");
    else await writer.write(message.topic, message.logTimeNs, message.data);
    this.#stats.copied += 1;
    this.#stats.addTime("write", performance.now() - started);
  }
}

/** The compared model's predictions for a batch. */
interface ComparedBatch {
  readonly runMs: number;
  readonly predictions: FramePrediction[];
}

function elements(shape: { channels: number; height: number; width: number }): number {
  return shape.channels * shape.height * shape.width;
}

/**
 * A rendered message is the writer's; the buffer of one that fills it (the mask and overlay, which
 * are rendered into buffers of their exact length) comes back for another frame.
 */
function handoverOf(data: Uint8Array): Handover {
  return fillsItsBuffer(data) ? "recycle" : "take";
}

/** The frame's message bytes in a buffer of their own, when a frame worker handed them back. */
async function ownCopy(frame: PendingFrame): Promise<Uint8Array | undefined> {
  try {
    return (await frame.prepared).ownCopy;
  } catch {
    return undefined;
  }
}

function reasonText(reason: unknown): string {
  if (typeof reason === "string") return reason;
  if (reason instanceof Error) return reason.message;
  return "abort";
}
