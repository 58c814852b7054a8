/**
 * The node's comparison (compare_model): after a batch's own outputs are out, the compared model
 * runs on the same frames, and its steering, saliency, images, the SaliencyComparison and the
 * difference image go to `~/<camera>/compare/...`. Nothing of it runs while no one subscribes to
 * a camera's comparison topics, so a node with compare_model costs nothing extra until someone
 * looks. When the two models share the input spec, the main model's input tensor feeds both (no
 * second preprocessing); else each frame is preprocessed once more with the compared model's spec.
 * A failure here is logged and counted; the main model's outputs are already published.
 */
import type { ByteAllocator, CameraFrame } from "../image/frame";
import type { CompareOutput } from "../frame/cameras";
import { buildComparisonOutputs } from "../frame/compare-path";
import {
  buildImageOutputs,
  buildSteeringOutputs,
  type FramePrediction,
  isNonFinite,
  predictionOf,
  prepareFrame,
} from "../frame/frame-path";
import type { HeaderMsg } from "../frame/message-types";
import type { ImageOps, LoadedModel } from "../frame/model-port";
import { steeringWheelAngle } from "../frame/steering";
import type { ComparisonStatistics } from "./comparison-diagnostics";
import type { RuntimeSettings } from "./parameters";
import type { RosNode, RosPublisher } from "./ros-api";
import type { ThrottledLog } from "./throttled-log";

/** The comparison publishers of one camera. */
export interface ComparePublishers extends Readonly<Record<CompareOutput, RosPublisher>> {
  readonly name: string;
}

/** A frame of the batch whose own outputs are published. */
export interface ComparedItem {
  readonly camera: number;
  readonly header: HeaderMsg;
  readonly frame: CameraFrame;
  /** Its index in the batch's input tensor. */
  readonly index: number;
  readonly receivedMs: number;
  readonly preprocessMs: number;
  readonly prediction: FramePrediction;
}

export interface CompareProcessorOptions {
  readonly node: RosNode;
  readonly model: LoadedModel;
  readonly compare: LoadedModel;
  readonly imageOps: ImageOps;
  /** Indexed like the cameras. */
  readonly publishers: readonly ComparePublishers[];
  readonly statistics: ComparisonStatistics;
  readonly log: ThrottledLog;
  readonly nowMs: () => number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class CompareProcessor {
  readonly #options: CompareProcessorOptions;
  readonly #sharedInput: boolean;

  constructor(options: CompareProcessorOptions) {
    this.#options = options;
    this.#sharedInput =
      JSON.stringify(options.model.preprocess) === JSON.stringify(options.compare.preprocess);
  }

  /** Whether the two models take the same input (one tensor feeds both). */
  get sharedInput(): boolean {
    return this.#sharedInput;
  }

  #subscribed(publisher: RosPublisher): boolean {
    return this.#options.node.countSubscribers(publisher.topic) > 0;
  }

  /** Whether anyone listens to one of a camera's comparison topics. */
  wanted(camera: number): boolean {
    const publishers = this.#options.publishers[camera];
    return Object.values(publishers).some((p) => typeof p !== "string" && this.#subscribed(p));
  }

  /**
   * Runs the compared model on the batch's frames whose cameras someone listens to and publishes
   * its outputs and the comparison; resolves with the frames compared, never rejects.
   */
  async process(
    items: readonly ComparedItem[],
    mainInput: Float32Array,
    settings: RuntimeSettings,
    /** Where the frame-sized masks and images go: the batch's lent buffers. */
    allocate: ByteAllocator,
  ): Promise<number> {
    const wanted = items.filter((item) => this.wanted(item.camera));
    if (wanted.length === 0) return 0;
    const { compare, statistics, log } = this.#options;
    let input: Float32Array;
    let slot: (item: ComparedItem, k: number) => number;
    try {
      if (this.#sharedInput) {
        input = mainInput;
        slot = (item) => item.index;
      } else {
        const { channels, height, width } = compare.engine.inputShape;
        const perImage = channels * height * width;
        input = new Float32Array(wanted.length * perImage);
        wanted.forEach((item, k) =>
          prepareFrame(item.frame, compare.preprocess, this.#options.imageOps, input, k * perImage),
        );
        slot = (_, k) => k;
      }
      const batch = this.#sharedInput ? input.length / elements(compare.engine.inputShape) : wanted.length;
      const engineStarted = this.#options.nowMs();
      const result = await compare.engine.run(input, batch);
      const runMs = Number.isFinite(result.runMs) ? result.runMs : this.#options.nowMs() - engineStarted;
      const engineDoneMs = this.#options.nowMs();
      let compared = 0;
      wanted.forEach((item, k) => {
        try {
          const prediction = predictionOf(result, compare.outputName, slot(item, k));
          if (isNonFinite(prediction)) {
            log.warn(
              `compare-${item.camera}-non-finite`,
              `the compared model gave a NaN or infinite prediction or mask`,
            );
            return;
          }
          this.#publish(item, prediction, settings, runMs / batch, engineDoneMs, allocate);
          compared += 1;
        } catch (error) {
          log.error(
            `compare-publish-${item.camera}`,
            `publishing the comparison failed: ${errorText(error)}`,
          );
        }
      });
      return compared;
    } catch (error) {
      statistics.failed(errorText(error));
      log.error(
        "compare-inference",
        `the compared model failed for a batch of ${wanted.length}: ${errorText(error)}`,
      );
      return 0;
    }
  }

  #publish(
    item: ComparedItem,
    prediction: FramePrediction,
    settings: RuntimeSettings,
    inferenceMs: number,
    engineDoneMs: number,
    allocate: ByteAllocator,
  ): void {
    const { model, compare, imageOps, nowMs } = this.#options;
    const publishers = this.#options.publishers[item.camera];
    const geometry = { wheelbaseM: settings.wheelbaseM, steeringRatio: settings.steeringRatio };
    const steering = buildSteeringOutputs(
      item.header,
      prediction,
      {
        modelName: compare.name,
        method: compare.engine.method,
        geometry,
        steering: settings.publishSteering && this.#subscribed(publishers.steering),
        saliency: settings.publishSaliency && this.#subscribed(publishers.saliency),
      },
      () => {
        const now = nowMs();
        return {
          preprocessMs: item.preprocessMs,
          inferenceMs,
          visualBackPropMs: now - engineDoneMs,
          totalMs: now - item.receivedMs,
        };
      },
      0,
    );
    if (steering.steering !== undefined) publishers.steering.publish(steering.steering);
    if (steering.saliency !== undefined) publishers.saliency.publish(steering.saliency);
    const { frame } = item;
    const mainMask = imageOps.mapMaskToMono8(
      item.prediction.mask,
      model.preprocess,
      frame.width,
      frame.height,
      allocate(frame.width * frame.height),
    );
    const otherMask = imageOps.mapMaskToMono8(
      prediction.mask,
      compare.preprocess,
      frame.width,
      frame.height,
      allocate(frame.width * frame.height),
    );
    const outputs = buildComparisonOutputs(
      item.header,
      frame,
      {
        modelName: model.name,
        curvature: item.prediction.curvature,
        steeringWheelAngle: steeringWheelAngle(item.prediction.curvature, geometry),
        frameMask: mainMask,
      },
      {
        modelName: compare.name,
        curvature: prediction.curvature,
        steeringWheelAngle: steering.steeringWheelAngle,
        frameMask: otherMask,
      },
      this.#subscribed(publishers.diff),
    );
    this.#options.statistics.compared(
      {
        curvatureDifference: Math.abs(outputs.comparison.curvature_difference),
        maskDifference: outputs.comparison.mask_difference,
        topIou: outputs.comparison.top_iou,
      },
      { steering: settings.compareSteeringThreshold, mask: settings.compareMaskThreshold },
    );
    if (this.#subscribed(publishers.comparison)) publishers.comparison.publish(outputs.comparison);
    if (outputs.diff !== undefined) publishers.diff.publish(outputs.diff);
    const overlay = settings.publishOverlay && this.#subscribed(publishers.overlay);
    const images = buildImageOutputs(
      item.header,
      frame,
      prediction.mask,
      {
        preprocess: compare.preprocess,
        colorMap: settings.colorMap,
        opacity: settings.overlayOpacity,
        mask: settings.publishMask && this.#subscribed(publishers.mask),
        overlay,
      },
      imageOps,
      otherMask,
      { overlay: overlay ? allocate(frame.width * frame.height * 3) : undefined },
    );
    if (images.mask !== undefined) publishers.mask.publish(images.mask);
    if (images.overlay !== undefined) publishers.overlay.publish(images.overlay);
  }
}

function elements(shape: { channels: number; height: number; width: number }): number {
  return shape.channels * shape.height * shape.width;
}
