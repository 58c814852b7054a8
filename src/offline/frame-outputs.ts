/**
 * The four messages the node publishes for one frame, built with the node's own builders
 * (src/frame/messages.ts) and serialised to CDR, so a processed bag holds what a recording of the
 * live node would hold.
 */
import type { RosSerializer } from "../bag/ros-serializer";
import type { SaliencyMethod } from "../engine/types";
import type { ColorMap } from "../image/colormap";
import type { FloatImage, RgbFrame } from "../image/frame";
import { maskToMono8, renderOverlayFromMono8 } from "../image/overlay";
import { mapMaskToFrame, type PreprocessSpec } from "../image/preprocess";
import type { HeaderMsg } from "../frame/message-types.js";
import {
  buildMono8Image,
  buildRgb8Image,
  buildSaliency,
  buildSteeringCommand,
  type FrameTiming,
} from "../frame/messages.js";
import { steeringWheelAngle, type SteeringGeometry } from "../frame/steering.js";
import { type OutputKind, OUTPUT_TYPES } from "./camera-topics";

/** What stays the same for every frame of a run. */
export interface OutputSettings {
  readonly modelName: string;
  /** The saliency method the engine computes (Saliency.method). */
  readonly method: SaliencyMethod;
  readonly preprocess: PreprocessSpec;
  readonly geometry: SteeringGeometry;
  readonly colorMap: ColorMap;
  readonly opacity: number;
}

/** One frame's results: the serialised messages and the values the summary and report use. */
export interface FrameResult {
  readonly messages: Readonly<Record<OutputKind, Uint8Array>>;
  readonly curvature: number;
  readonly steeringWheelAngle: number;
  readonly overlay: RgbFrame;
}

/** Builds and serialises a frame's mask, overlay, steering and saliency messages. */
export function buildFrameOutputs(
  serializer: RosSerializer,
  settings: OutputSettings,
  header: HeaderMsg,
  frame: RgbFrame,
  mask: FloatImage,
  curvature: number,
  /** The saliency message's timing, given the milliseconds rendering has taken so far. */
  timing: (renderMs: number) => FrameTiming,
): FrameResult {
  const started = performance.now();
  const frameMask = mapMaskToFrame(mask, settings.preprocess, frame.width, frame.height);
  // The node's renderOverlay is exactly this; the mono8 levels are computed once for both images.
  const mono8 = maskToMono8(frameMask);
  const overlay = renderOverlayFromMono8(frame, mono8, {
    colorMap: settings.colorMap,
    opacity: settings.opacity,
  });
  const angle = steeringWheelAngle(curvature, settings.geometry);
  const messages: Record<OutputKind, Uint8Array> = {
    mask: serializer.encode(OUTPUT_TYPES.mask, buildMono8Image(header, frame.width, frame.height, mono8)),
    overlay: serializer.encode(OUTPUT_TYPES.overlay, buildRgb8Image(header, overlay)),
    steering: serializer.encode(
      OUTPUT_TYPES.steering,
      buildSteeringCommand(header, { curvature, steeringWheelAngle: angle, modelName: settings.modelName }),
    ),
    saliency: serializer.encode(
      OUTPUT_TYPES.saliency,
      buildSaliency(header, {
        method: settings.method,
        width: mask.width,
        height: mask.height,
        mask: mask.data,
        layers: [],
        timing: timing(performance.now() - started),
        framesDropped: 0,
      }),
    ),
  };
  return { messages, curvature, steeringWheelAngle: angle, overlay };
}
