/**
 * A frame's outputs for the output bag: the frame path's steering, saliency and images
 * (src/frame/frame-path.ts, the node's own steps), serialised to CDR, so a processed bag holds
 * what a recording of the live node would hold.
 */
import type { RosSerializer } from "../bag/ros-serializer";
import type { SaliencyMethod } from "../engine/types";
import type { ColorMap } from "../image/colormap";
import type { CameraFrame, FloatImage, RgbFrame } from "../image/frame";
import type { PreprocessSpec } from "../image/preprocess";
import { buildImageOutputs, buildSteeringOutputs } from "../frame/frame-path";
import { frameImageShells } from "../frame/image-shells";
import { IMAGE_OPS } from "../frame/image-ops";
import type { HeaderMsg } from "../frame/message-types";
import type { FrameTiming } from "../frame/messages";
import type { SteeringGeometry } from "../frame/steering";
import { type CompareKind, type OutputKind, OUTPUT_TYPES } from "./camera-topics";

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

/** How a frame's messages are made. */
export interface MessageMaker {
  readonly serializer: RosSerializer;
  /**
   * A buffer for a camera-sized message (mask, overlay), whole and exactly `byteLength` long: a
   * reused one (BufferPool.allocate), whose every byte the message then overwrites.
   */
  readonly allocate: (byteLength: number) => Uint8Array;
}

/** One frame's results: the serialised messages and the values the summary and report use. */
export interface FrameResult {
  /** Only the outputs asked for, in the order the node publishes them. */
  readonly messages: Partial<Record<OutputKind, Uint8Array>>;
  readonly curvature: number;
  readonly steeringWheelAngle: number;
  /** With `overlay` among the outputs or `keepOverlay`. */
  readonly overlay?: RgbFrame;
  /** The compared model's side and the comparison, with `--compare` (compare-outputs.ts). */
  readonly compare?: CompareResult;
}

/** A compared frame's second half: the compared model's messages and the comparison's figures. */
export interface CompareResult {
  readonly messages: Partial<Record<CompareKind, Uint8Array>>;
  readonly curvature: number;
  readonly steeringWheelAngle: number;
  /** Mean absolute mask difference at camera resolution, [0, 1]. */
  readonly maskDifference: number;
  /** IoU of the two masks' most salient pixels. */
  readonly topIou: number;
  /** The compared model's overlay and the difference image, with `keepOverlay`. */
  readonly overlay?: RgbFrame;
  readonly diff?: RgbFrame;
  /**
   * Both masks on the camera frame (mono8, frame width x height), with `keepOverlay`: the report
   * measures them against a synthetic drive's ground truth (lane-focus.ts).
   */
  readonly frameMasks?: { readonly main: Uint8Array; readonly compare: Uint8Array };
}

/**
 * Builds and serialises a frame's outputs in the node's order: the steering command and the
 * saliency message first, then the mask and the overlay (each only when asked for).
 */
export function buildFrameOutputs(
  maker: MessageMaker,
  settings: OutputSettings,
  header: HeaderMsg,
  frame: CameraFrame,
  mask: FloatImage,
  curvature: number,
  /** The saliency message's timing, asked for when that message is built. */
  timing: () => FrameTiming,
  keepOverlay = false,
  /** The mask already on the frame (mono8), when the caller has it. */
  frameMask?: Uint8Array,
): FrameResult {
  const { serializer, allocate } = maker;
  const wanted = new Set(settings.outputs);
  const messages: Partial<Record<OutputKind, Uint8Array>> = {};
  const steering = buildSteeringOutputs(
    header,
    { curvature, mask, layers: [] },
    {
      modelName: settings.modelName,
      method: settings.method,
      geometry: settings.geometry,
      steering: wanted.has("steering"),
      saliency: wanted.has("saliency"),
    },
    timing,
    0,
  );
  if (steering.steering) messages.steering = serializer.encode(OUTPUT_TYPES.steering, steering.steering);
  if (steering.saliency) messages.saliency = serializer.encode(OUTPUT_TYPES.saliency, steering.saliency);
  // The mask and the overlay are rendered straight into their serialised messages; a kept overlay
  // (the report's) into a frame of its own, as its message is handed on to the writer before the
  // overlay is used.
  const { mask: maskShell, overlay: overlayShell } = frameImageShells(
    serializer,
    header,
    frame.width,
    frame.height,
    { mask: wanted.has("mask"), overlay: wanted.has("overlay") && !keepOverlay },
    allocate,
  );
  const images = buildImageOutputs(
    header,
    frame,
    mask,
    {
      preprocess: settings.preprocess,
      colorMap: settings.colorMap,
      opacity: settings.opacity,
      mask: wanted.has("mask"),
      overlay: wanted.has("overlay") || keepOverlay,
    },
    IMAGE_OPS,
    frameMask,
    { mask: maskShell?.data, overlay: overlayShell?.data },
  );
  if (images.mask) messages.mask = maskShell?.bytes;
  if (images.overlay && wanted.has("overlay"))
    messages.overlay = overlayShell?.bytes ?? serializer.encode(OUTPUT_TYPES.overlay, images.overlay);
  const overlay = images.overlay && {
    width: images.overlay.width,
    height: images.overlay.height,
    data: images.overlay.data,
  };
  return { messages, curvature, steeringWheelAngle: steering.steeringWheelAngle, overlay };
}
