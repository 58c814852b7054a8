/**
 * The node's side of the frame path (src/frame/frame-path.ts, shared with the bag tool): one batch
 * through its steps (decode, preprocess into one input tensor, one engine run), then the steering
 * command and the saliency message of every image in the batch are published, and only after those
 * (only while someone subscribes) the mask and overlay images: a driving stack reading the steering
 * does not wait for two frame-sized images to be rendered and serialised. A bad image is dropped
 * from its batch and counted; an engine failure is counted and logged; the node keeps running.
 */
import type { EngineResult } from "../engine/types";
import { ImageConversionError } from "../image/encodings";
import type { ByteAllocator, CameraFrame } from "../image/frame";
import { ByteBufferPool } from "../frame/byte-buffer-pool";
import type { NodeDiagnostics } from "./diagnostics";
import type { HeaderMsg } from "../frame/message-types";
import {
  buildSteeringOutputs,
  type CameraImage,
  decodeCameraImage,
  type FramePrediction,
  isNonFinite,
  predictionOf,
  prepareFrame,
  AspectWarning,
} from "../frame/frame-path";
import type { ImageOps, LoadedModel } from "../frame/model-port";
import type { RuntimeSettings } from "./parameters";
import type { CompareProcessor } from "./compare-processor";
import type { BatchItem } from "./pipeline";
import type { RosNode, RosPublisher } from "./ros-api";
import type { ThrottledLog } from "./throttled-log";
import { errorText } from "../error-text";
import type { RosSerializer } from "../bag/ros-serializer";
import { serialisedImageOutputs } from "../frame/image-shells";

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
  readonly imageOps: ImageOps;
  /** Indexed like the cameras. */
  readonly publishers: readonly CameraPublishers[];
  readonly diagnostics: NodeDiagnostics;
  readonly settings: () => RuntimeSettings;
  readonly log: ThrottledLog;
  readonly nowMs: () => number;
  /** With compare_model: runs after the batch's own outputs are published. */
  readonly compare?: CompareProcessor;
  /** Draws the mask and overlay into serialised messages (the warm-up used the same one). */
  readonly serializer: RosSerializer;
}

interface DecodedItem {
  readonly camera: number;
  readonly header: HeaderMsg;
  readonly receivedMs: number;
  readonly droppedBefore: number;
  readonly frame: CameraFrame;
  /** This frame's own conversion time, ms. */
  readonly decodeMs: number;
}

/** A frame whose engine results are in: what its steering, saliency and images are built from. */
interface RanItem extends DecodedItem {
  /** This frame's conversion plus preprocessing, ms (Saliency.preprocess_ms). */
  readonly preprocessMs: number;
  /** Index in the engine batch. */
  readonly index: number;
}

export class BatchProcessor {
  readonly #options: BatchProcessorOptions;
  /** The aspect-ratio warning is said once per run, not once per throttle period. */
  readonly #aspect: AspectWarning;
  readonly #buffers = new ByteBufferPool();

  constructor(options: BatchProcessorOptions) {
    this.#options = options;
    this.#aspect = new AspectWarning(options.model);
  }

  /** Processes one batch and resolves with the number of frames published; never rejects. */
  async process(batch: readonly BatchItem<ReceivedFrame>[]): Promise<number> {
    // The batch's frames, masks and overlays are rendered into lent buffers: every message that
    // holds them is published (serialised by rclnodejs) before the batch ends.
    const lease = this.#buffers.lease();
    try {
      return await this.#process(batch, lease.allocate);
    } finally {
      lease.release();
    }
  }

  async #process(batch: readonly BatchItem<ReceivedFrame>[], allocate: ByteAllocator): Promise<number> {
    const { model, imageOps, diagnostics, nowMs } = this.#options;
    const settings = this.#options.settings();
    const decoded = (await Promise.all(batch.map((item) => this.#decode(item, allocate)))).filter(
      (item): item is DecodedItem => item !== undefined,
    );
    if (decoded.length === 0) return 0;

    const { channels, height, width } = model.engine.inputShape;
    const perImage = channels * height * width;
    const input = new Float32Array(decoded.length * perImage);
    const ready: RanItem[] = [];
    for (const item of decoded) {
      // The one place a converted frame is checked before it reaches the model.
      const warning = this.#aspect.check(item.frame.width, item.frame.height);
      if (warning !== undefined)
        this.#options.log.warn("aspect", `camera ${this.#options.publishers[item.camera].name}: ${warning}`);
      const started = nowMs();
      try {
        prepareFrame(item.frame, model.preprocess, imageOps, input, ready.length * perImage);
        ready.push({ ...item, index: ready.length, preprocessMs: item.decodeMs + nowMs() - started });
      } catch (error) {
        this.#badFrame(item.camera, "preprocess", errorText(error));
      }
    }
    if (ready.length === 0) return 0;
    const tensor = ready.length === decoded.length ? input : input.subarray(0, ready.length * perImage);

    let result: EngineResult;
    const runStartMs = nowMs();
    try {
      // Intermediate masks are VisualBackProp's; LRP and gradient maps have none.
      const layerMasks = settings.publishLayerMasks && model.engine.method === "vbp";
      result = await model.engine.run(tensor, ready.length, { layerMasks });
    } catch (error) {
      const message = errorText(error);
      diagnostics.engine.inferenceFailed(message);
      for (const item of ready) diagnostics.cameras[item.camera].inferenceFailed();
      this.#options.log.error("inference", `inference failed for a batch of ${ready.length}: ${message}`);
      return 0;
    }
    const batchMs = Number.isFinite(result.runMs) ? result.runMs : nowMs() - runStartMs;
    const engineDoneMs = nowMs();
    diagnostics.engine.batchRan(ready.length, batchMs);

    // Steering and saliency of every frame first, then the images.
    const published: { item: RanItem; prediction: FramePrediction }[] = [];
    for (const item of ready) {
      this.#guarded(item, () => {
        const prediction = predictionOf(result, model.outputName, item.index);
        if (isNonFinite(prediction)) {
          this.#badFrame(item.camera, "non-finite", "the model gave a NaN or infinite prediction or mask");
          return;
        }
        this.#publishSteering(item, prediction, batchMs / ready.length, engineDoneMs, settings);
        published.push({ item, prediction });
      });
    }
    for (const { item, prediction } of published)
      this.#guarded(item, () => this.#publishImages(item, prediction, settings, allocate));
    if (this.#options.compare !== undefined && published.length > 0)
      await this.#options.compare.process(
        published.map(({ item, prediction }) => ({ ...item, prediction })),
        tensor,
        settings,
        allocate,
      );
    return published.length;
  }

  /** Runs one frame's publishing; a failure is logged and drops only that frame. */
  #guarded(item: DecodedItem, publish: () => void): boolean {
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

  async #decode(item: BatchItem<ReceivedFrame>, allocate: ByteAllocator): Promise<DecodedItem | undefined> {
    const { payload } = item;
    const started = this.#options.nowMs();
    try {
      const frame = await decodeCameraImage(payload.image, { allocate });
      return {
        camera: item.camera,
        header: payload.header,
        receivedMs: payload.receivedMs,
        droppedBefore: item.droppedBefore,
        frame,
        decodeMs: this.#options.nowMs() - started,
      };
    } catch (error) {
      const reason = error instanceof ImageConversionError ? error.reason : "conversion";
      this.#badFrame(item.camera, reason, errorText(error));
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

  /** The mask and overlay images, rendered only for topics someone subscribes to. */
  #publishImages(
    item: RanItem,
    prediction: FramePrediction,
    settings: RuntimeSettings,
    allocate: ByteAllocator,
  ): void {
    const { model, imageOps } = this.#options;
    const publishers = this.#options.publishers[item.camera];
    const { frame } = item;
    const mask = settings.publishMask && this.#wanted(publishers.mask);
    const overlay = settings.publishOverlay && this.#wanted(publishers.overlay);
    if (!mask && !overlay) return;
    // Drawn into their serialised messages, published as they are (rclnodejs's publishRawMessage).
    const images = serialisedImageOutputs(
      this.#options.serializer,
      item.header,
      frame,
      prediction.mask,
      {
        preprocess: model.preprocess,
        colorMap: settings.colorMap,
        opacity: settings.overlayOpacity,
        mask,
        overlay,
      },
      imageOps,
      allocate,
    );
    if (images.mask !== undefined) publishers.mask.publish(serialised(images.mask));
    if (images.overlay !== undefined) publishers.overlay.publish(serialised(images.overlay));
  }
}

/** A Buffer over the same bytes: rclnodejs publishes a Buffer as the serialised message. */
function serialised(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
