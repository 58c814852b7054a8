/**
 * The four messages the node publishes for one frame, built with the node's own builders
 * (src/frame/messages.ts) and serialised to CDR, so a processed bag holds what a recording of the
 * live node would hold.
 */
import type { RosSerializer } from "../bag/ros-serializer";
import type { SaliencyMethod } from "../engine/types";
import type { ColorMap } from "../image/colormap";
import type { FloatImage, RgbFrame } from "../image/frame";
import { renderOverlayFromMono8 } from "../image/overlay";
import { mapMaskToMono8, type PreprocessSpec } from "../image/preprocess";
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
  /** The outputs written; the others are not built. */
  readonly outputs: readonly OutputKind[];
}

/** One frame's results: the serialised messages and the values the summary and report use. */
export interface FrameResult {
  /** Only the outputs asked for, in the order the node publishes them. */
  readonly messages: Partial<Record<OutputKind, Uint8Array>>;
  readonly curvature: number;
  readonly steeringWheelAngle: number;
  /** With `overlay` among the outputs or `keepOverlay`. */
  readonly overlay?: RgbFrame;
}

/**
 * Builds and serialises a frame's outputs in the node's order: the steering command and the
 * saliency message first, then the mask and the overlay (each only when asked for).
 */
export function buildFrameOutputs(
  serializer: RosSerializer,
  settings: OutputSettings,
  header: HeaderMsg,
  frame: RgbFrame,
  mask: FloatImage,
  curvature: number,
  /** The saliency message's timing, asked for when that message is built. */
  timing: () => FrameTiming,
  keepOverlay = false,
): FrameResult {
  const wanted = new Set(settings.outputs);
  const angle = steeringWheelAngle(curvature, settings.geometry);
  const messages: Partial<Record<OutputKind, Uint8Array>> = {};
  if (wanted.has("steering"))
    messages.steering = serializer.encode(
      OUTPUT_TYPES.steering,
      buildSteeringCommand(header, { curvature, steeringWheelAngle: angle, modelName: settings.modelName }),
    );
  if (wanted.has("saliency"))
    messages.saliency = serializer.encode(
      OUTPUT_TYPES.saliency,
      buildSaliency(header, {
        method: settings.method,
        width: mask.width,
        height: mask.height,
        mask: mask.data,
        layers: [],
        timing: timing(),
        framesDropped: 0,
      }),
    );
  let overlay: RgbFrame | undefined;
  const wantOverlay = wanted.has("overlay") || keepOverlay;
  if (wanted.has("mask") || wantOverlay) {
    // The mono8 levels are computed once for both images, as the node does.
    const mono8 = mapMaskToMono8(mask, settings.preprocess, frame.width, frame.height);
    if (wanted.has("mask"))
      messages.mask = serializer.encode(
        OUTPUT_TYPES.mask,
        buildMono8Image(header, frame.width, frame.height, mono8),
      );
    if (wantOverlay) {
      overlay = renderOverlayFromMono8(frame, mono8, {
        colorMap: settings.colorMap,
        opacity: settings.opacity,
      });
      if (wanted.has("overlay"))
        messages.overlay = serializer.encode(OUTPUT_TYPES.overlay, buildRgb8Image(header, overlay));
    }
  }
  return { messages, curvature, steeringWheelAngle: angle, overlay };
}
