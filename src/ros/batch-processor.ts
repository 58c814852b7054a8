/**
 * The node's side of the frame path (src/frame/frame-path.ts, shared with the bag tool): one batch
 * through its steps (decode, preprocess into one input tensor, one engine run), then the steering
 * command and the saliency message of every image in the batch are published, and only after those
 * (only while someone subscribes) the mask and overlay images: a driving stack reading the steering
 * does not wait for two frame-sized images to be rendered and serialised. A bad image is dropped
 * from its batch and counted; an engine failure is counted and logged; the node keeps running.
 */
import type { EngineResult } from "../engine/types.js";
import type { NodeDiagnostics } from "./diagnostics.js";
import type { HeaderMsg } from "../frame/message-types.js";
import {
  buildSteeringOutputs,
  type CameraImage,
  type FramePrediction,
  type ImageOutputs,
  predictionOf,
} from "../frame/frame-path.js";
import type { LoadedModel } from "../frame/model-port.js";
import type { FramePool } from "../offline/frame-pool.js";
import type { RuntimeSettings } from "./parameters.js";
import type { BatchItem } from "./pipeline.js";
import type { RosNode, RosPublisher } from "./ros-api.js";
import type { ThrottledLog } from "./throttled-log.js";

/** A camera message as it waits in the pipeline: narrowed, not yet decoded. */
export interface ReceivedFrame {
  readonly header: HeaderMsg;
  /** Monotonic arrival time at the node, ms. */
  readonly receivedMs: number;
  readonly image: CameraImage;
}

/** The four publishers of one camera. */
export interface CameraPublishers {
  readonly name: string;
  readonly mask: RosPublisher;
  readonly overlay: RosPublisher;
  readonly steering: RosPublisher;
  readonly saliency: RosPublisher;
}

export interface BatchProcessorOptions {
  readonly node: RosNode;
  readonly model: LoadedModel;
  /**
   * Where decoding, preprocessing and the images run: worker threads beside the engine, or the
   * main thread (threads 0, and the only choice for a test's image helpers).
   */
  readonly frames: FramePool;
  /** Indexed like the cameras. */
  readonly publishers: readonly CameraPublishers[];
  readonly diagnostics: NodeDiagnostics;
  readonly settings: () => RuntimeSettings;
  readonly log: ThrottledLog;
  readonly nowMs: () => number;
}

/** A frame decoded and preprocessed, kept in the frame pool under `id` until its images. */
interface PreparedItem {
  readonly id: number;
  readonly camera: number;
  readonly header: HeaderMsg;
  readonly receivedMs: number;
  readonly droppedBefore: number;
  /** One image of model input. */
  readonly tensor: Float32Array;
  /** This frame's conversion plus preprocessing, ms (Saliency.preprocess_ms). */
  readonly preprocessMs: number;
}

/** A frame whose engine results are in: what its steering, saliency and images are built from. */
interface RanItem extends PreparedItem {
  /** Index in the engine batch. */
  readonly index: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class BatchProcessor {
  readonly #options: BatchProcessorOptions;
  #nextId = 0;
  /** The images of the last batch, still being rendered in the frame pool. */
  #imagesBehind: Promise<unknown> = Promise.resolve();

  constructor(options: BatchProcessorOptions) {
    this.#options = options;
  }

  /**
   * Processes one batch and resolves with the number of frames whose steering is published; never
   * rejects. With worker threads it resolves before this batch's images are out (the next batch's
   * frames are then prepared first, and its engine run overlaps these images), but only after
   * the previous batch's images: one batch of images at most is behind, and a camera's images go
   * out in order.
   */
  async process(batch: readonly BatchItem<ReceivedFrame>[]): Promise<number> {
    const { model, frames, diagnostics, nowMs } = this.#options;
    const settings = this.#options.settings();
    const ready: RanItem[] = [];
    for (const item of await Promise.all(batch.map((each) => this.#prepare(each))))
      if (item !== undefined) ready.push({ ...item, index: ready.length });
    if (ready.length === 0) return 0;

    const { channels, height, width } = model.engine.inputShape;
    const perImage = channels * height * width;
    const tensor = new Float32Array(ready.length * perImage);
    for (const item of ready) tensor.set(item.tensor, item.index * perImage);

    let result: EngineResult;
    const runStartMs = nowMs();
    try {
      // Intermediate masks are VisualBackProp's; LRP and gradient maps have none.
      const layerMasks = settings.publishLayerMasks && model.engine.method === "vbp";
      result = await model.engine.run(tensor, ready.length, { layerMasks });
    } catch (error) {
      const message = errorText(error);
      diagnostics.engine.inferenceFailed(message);
      for (const item of ready) {
        diagnostics.cameras[item.camera].inferenceFailed();
        frames.drop(item.id);
      }
      this.#options.log.error("inference", `inference failed for a batch of ${ready.length}: ${message}`);
      return 0;
    }
    const batchMs = Number.isFinite(result.runMs) ? result.runMs : nowMs() - runStartMs;
    const engineDoneMs = nowMs();
    diagnostics.engine.batchRan(ready.length, batchMs);

    // Steering and saliency of every frame first, then the images.
    const published: { item: RanItem; prediction: FramePrediction }[] = [];
    for (const item of ready) {
      const ok = this.#guarded(item, () => {
        const prediction = predictionOf(result, model.outputName, item.index);
        this.#publishSteering(item, prediction, batchMs / ready.length, engineDoneMs, settings);
        published.push({ item, prediction });
      });
      if (!ok) frames.drop(item.id);
    }
    await this.#imagesBehind;
    const images = Promise.all(
      published.map(({ item, prediction }) => this.#images(item, prediction, settings)),
    );
    if (frames.threads === 0) await images;
    else this.#imagesBehind = images;
    return published.length;
  }

  /** Resolves when every image asked for so far is published (or has failed). */
  async drain(): Promise<void> {
    await this.#imagesBehind;
  }

  /** Runs one frame's publishing; a failure is logged and drops only that frame. */
  #guarded(item: PreparedItem, publish: () => void): boolean {
    try {
      publish();
      return true;
    } catch (error) {
      this.#options.log.error(
        `publish-${item.camera}`,
        `publishing camera ${this.#options.publishers[item.camera].name} failed: ${errorText(error)}`,
      );
      return false;
    }
  }

  /** Decodes and preprocesses one frame in the frame pool; a bad frame is counted and dropped. */
  async #prepare(item: BatchItem<ReceivedFrame>): Promise<PreparedItem | undefined> {
    const { payload } = item;
    const id = this.#nextId++;
    try {
      const prepared = await this.#options.frames.prepareImage(
        id,
        payload.header,
        payload.image,
        item.camera,
      );
      if (!prepared.ok) {
        this.#badFrame(item.camera, prepared.reason, prepared.message);
        return undefined;
      }
      return {
        id,
        camera: item.camera,
        header: payload.header,
        receivedMs: payload.receivedMs,
        droppedBefore: item.droppedBefore,
        tensor: prepared.tensor,
        preprocessMs: prepared.decodeMs + prepared.preprocessMs,
      };
    } catch (error) {
      this.#badFrame(item.camera, "worker", errorText(error));
      return undefined;
    }
  }

  #badFrame(camera: number, reason: string, message: string): void {
    const name = this.#options.publishers[camera].name;
    this.#options.diagnostics.cameras[camera].badFrame(reason);
    this.#options.log.warn(
      `bad-frame-${camera}-${reason}`,
      `dropping a bad frame from camera ${name}: ${message}`,
    );
  }

  #wanted(publisher: RosPublisher): boolean {
    return this.#options.node.countSubscribers(publisher.topic) > 0;
  }

  /** The steering command and the saliency message; the frame counts as processed here. */
  #publishSteering(
    item: RanItem,
    prediction: FramePrediction,
    inferenceMs: number,
    engineDoneMs: number,
    settings: RuntimeSettings,
  ): void {
    const { model, nowMs } = this.#options;
    const publishers = this.#options.publishers[item.camera];
    let totalMs = 0;
    const outputs = buildSteeringOutputs(
      item.header,
      prediction,
      {
        modelName: model.name,
        method: model.engine.method,
        geometry: { wheelbaseM: settings.wheelbaseM, steeringRatio: settings.steeringRatio },
        steering: settings.publishSteering,
        saliency: settings.publishSaliency,
      },
      () => {
        const now = nowMs();
        totalMs = now - item.receivedMs;
        return {
          preprocessMs: item.preprocessMs,
          inferenceMs,
          visualBackPropMs: now - engineDoneMs,
          totalMs,
        };
      },
      item.droppedBefore,
    );
    if (outputs.steering !== undefined) publishers.steering.publish(outputs.steering);
    if (outputs.saliency !== undefined) publishers.saliency.publish(outputs.saliency);
    else totalMs = nowMs() - item.receivedMs;
    this.#options.diagnostics.cameras[item.camera].frameProcessed(totalMs);
  }

  /**
   * The mask and overlay images, rendered only for topics someone subscribes to (the subscriber
   * count is read when the frame is handed over); never rejects.
   */
  async #images(item: RanItem, prediction: FramePrediction, settings: RuntimeSettings): Promise<void> {
    const { model, frames } = this.#options;
    const publishers = this.#options.publishers[item.camera];
    const mask = settings.publishMask && this.#wanted(publishers.mask);
    const overlay = settings.publishOverlay && this.#wanted(publishers.overlay);
    if (!mask && !overlay) {
      frames.drop(item.id);
      return;
    }
    let images: ImageOutputs;
    try {
      const { width, height, data } = prediction.mask;
      // A copy: the batch's masks stay whole, and a worker takes this one over.
      const rendered = await frames.renderImages(
        item.id,
        { width, height, data: data.slice() },
        {
          preprocess: model.preprocess,
          colorMap: settings.colorMap,
          opacity: settings.overlayOpacity,
          mask,
          overlay,
        },
      );
      images = rendered.images;
    } catch (error) {
      this.#options.log.error(
        `images-${item.camera}`,
        `rendering the images of camera ${publishers.name} failed: ${errorText(error)}`,
      );
      return;
    }
    this.#guarded(item, () => {
      if (images.mask !== undefined) publishers.mask.publish(images.mask);
      if (images.overlay !== undefined) publishers.overlay.publish(images.overlay);
    });
  }
}
