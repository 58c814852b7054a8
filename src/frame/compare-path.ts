/**
 * The frame path's comparison step, for the node's compare_model and `visualbackprop bag
 * --compare`: after both models' steering, saliency and images of a frame, the SaliencyComparison
 * message and (when wanted) the difference image, from the two masks on the camera frame.
 */
import type { CameraFrame } from "../image/frame";
import { compareMasks, renderDifferenceImage, TOP_FRACTION } from "./comparison";
import type { HeaderMsg, ImageMsg, SaliencyComparisonMsg } from "./message-types";
import { buildRgb8Image, buildSaliencyComparison } from "./messages";

/** One model's side of a compared frame. */
export interface ComparedSide {
  readonly modelName: string;
  readonly curvature: number;
  readonly steeringWheelAngle: number;
  /** Its mask on the camera frame, mono8 (mapMaskToMono8). */
  readonly frameMask: Uint8Array;
}

export interface ComparisonOutputs {
  readonly comparison: SaliencyComparisonMsg;
  /** The difference image (renderDifferenceImage), only with `diff`. */
  readonly diff?: ImageMsg;
}

/** Step 6 of a compared frame: `main` is the model on the plain topics, `other` the compared one. */
export function buildComparisonOutputs(
  header: HeaderMsg,
  frame: CameraFrame,
  main: ComparedSide,
  other: ComparedSide,
  diff: boolean,
  topFraction = TOP_FRACTION,
): ComparisonOutputs {
  const figures = compareMasks(main.frameMask, other.frameMask, topFraction);
  const comparison = buildSaliencyComparison(header, {
    modelName: main.modelName,
    compareModelName: other.modelName,
    curvature: main.curvature,
    compareCurvature: other.curvature,
    steeringWheelAngle: main.steeringWheelAngle,
    compareSteeringWheelAngle: other.steeringWheelAngle,
    ...figures,
  });
  return {
    comparison,
    diff: diff
      ? buildRgb8Image(header, renderDifferenceImage(main.frameMask, other.frameMask, frame))
      : undefined,
  };
}
