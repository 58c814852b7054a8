/**
 * A compared frame's outputs (`visualbackprop bag --compare`): the main model's as without a
 * comparison, the compared model's (its own preprocessing spec, so its mask maps back onto the
 * frame through its own crop), the SaliencyComparison and the difference image. Both masks are
 * mapped onto the frame once, for their images and the comparison alike.
 */
import type { SaliencyMethod } from "../engine/types";
import type { CameraFrame, FloatImage, RgbFrame } from "../image/frame";
import type { PreprocessSpec } from "../image/preprocess";
import { buildComparisonOutputs } from "../frame/compare-path";
import { IMAGE_OPS } from "../frame/image-ops";
import type { HeaderMsg } from "../frame/message-types";
import type { FrameTiming } from "../frame/messages";
import { COMPARE_TYPES, compareKinds } from "./camera-topics";
import {
  buildFrameOutputs,
  type CompareResult,
  type FrameResult,
  type MessageMaker,
  type OutputSettings,
} from "./frame-outputs";

/** What stays the same for the compared model; plain data, so it can be sent to a worker. */
export interface CompareSettings {
  readonly modelName: string;
  readonly method: SaliencyMethod;
  readonly preprocess: PreprocessSpec;
  /** Values per image of its input (channels * height * width). */
  readonly inputSize: number;
}

/** The compared model's prediction for a frame. */
export interface ComparePrediction {
  readonly mask: FloatImage;
  readonly curvature: number;
  /** Its engine run over the frames of the batch, ms. */
  readonly inferenceMs: number;
}

/** Builds and serialises both models' outputs and their comparison for one frame. */
export function buildCompareOutputs(
  maker: MessageMaker,
  settings: OutputSettings,
  compare: CompareSettings,
  header: HeaderMsg,
  frame: CameraFrame,
  main: { readonly mask: FloatImage; readonly curvature: number; readonly timing: () => FrameTiming },
  other: ComparePrediction,
  keepOverlay = false,
): FrameResult {
  const mainMask = IMAGE_OPS.mapMaskToMono8(main.mask, settings.preprocess, frame.width, frame.height);
  const otherMask = IMAGE_OPS.mapMaskToMono8(other.mask, compare.preprocess, frame.width, frame.height);
  const mainResult = buildFrameOutputs(
    maker,
    settings,
    header,
    frame,
    main.mask,
    main.curvature,
    main.timing,
    keepOverlay,
    mainMask,
  );
  const otherResult = buildFrameOutputs(
    maker,
    { ...settings, modelName: compare.modelName, method: compare.method, preprocess: compare.preprocess },
    header,
    frame,
    other.mask,
    other.curvature,
    () => ({ ...main.timing(), inferenceMs: other.inferenceMs }),
    keepOverlay,
    otherMask,
  );
  const kinds = compareKinds(settings.outputs);
  const wantDiff = kinds.includes("diff") || keepOverlay;
  const outputs = buildComparisonOutputs(
    header,
    frame,
    {
      modelName: settings.modelName,
      curvature: main.curvature,
      steeringWheelAngle: mainResult.steeringWheelAngle,
      frameMask: mainMask,
    },
    {
      modelName: compare.modelName,
      curvature: other.curvature,
      steeringWheelAngle: otherResult.steeringWheelAngle,
      frameMask: otherMask,
    },
    wantDiff,
  );
  const messages: CompareResult["messages"] = {
    ...otherResult.messages,
    comparison: maker.serializer.encode(COMPARE_TYPES.comparison, outputs.comparison),
  };
  if (outputs.diff !== undefined && kinds.includes("diff"))
    messages.diff = maker.serializer.encode(COMPARE_TYPES.diff, outputs.diff);
  const diff = keepOverlay && outputs.diff !== undefined ? rgb(outputs.diff) : undefined;
  return {
    ...mainResult,
    compare: {
      messages,
      curvature: other.curvature,
      steeringWheelAngle: otherResult.steeringWheelAngle,
      maskDifference: outputs.comparison.mask_difference,
      topIou: outputs.comparison.top_iou,
      overlay: keepOverlay ? otherResult.overlay : undefined,
      diff,
      frameMasks: keepOverlay ? { main: mainMask, compare: otherMask } : undefined,
    },
  };
}

function rgb(image: { width: number; height: number; data: Uint8Array }): RgbFrame {
  return { width: image.width, height: image.height, data: image.data };
}
