/**
 * Pure builders of the messages the node publishes. They take plain data and return plain
 * rclnodejs-shaped objects, touch no ROS API, and copy the header, so the live node and the bag
 * tool (which serialises the same objects) produce identical messages.
 */
import type { SaliencyMethod } from "../engine/types";
import type { RgbFrame } from "../image/frame";
import type {
  DiagnosticArrayMsg,
  DiagnosticStatusMsg,
  HeaderMsg,
  ImageMsg,
  KeyValueMsg,
  LayerMaskMsg,
  SaliencyComparisonMsg,
  SaliencyMsg,
  SteeringCommandMsg,
  TimeMsg,
} from "./message-types";

/** diagnostic_msgs/DiagnosticStatus levels. */
export const DiagnosticLevel = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;
export type DiagnosticLevelValue = (typeof DiagnosticLevel)[keyof typeof DiagnosticLevel];

/** A copy of a header, so an output never shares (and never mutates) the input message's objects. */
export function copyHeader(header: HeaderMsg): HeaderMsg {
  return { stamp: { sec: header.stamp.sec, nanosec: header.stamp.nanosec }, frame_id: header.frame_id };
}

/** A mono8 sensor_msgs/Image with tightly packed rows (step = width). */
export function buildMono8Image(
  header: HeaderMsg,
  width: number,
  height: number,
  pixels: Uint8Array,
): ImageMsg {
  if (pixels.length !== width * height) {
    throw new Error(
      `mono8 image: expected ${width * height} bytes for ${width}x${height}, got ${pixels.length}`,
    );
  }
  return { ...imageFields(header, width, height, "mono8"), data: pixels };
}

/**
 * The fields of a tightly packed 8-bit sensor_msgs/Image (mono8 or rgb8) but its pixels: what the
 * two builders here return, for a caller that writes the pixels into the serialised message itself.
 */
export function imageFields(
  header: HeaderMsg,
  width: number,
  height: number,
  encoding: "mono8" | "rgb8",
): Omit<ImageMsg, "data"> {
  return {
    header: copyHeader(header),
    height,
    width,
    encoding,
    is_bigendian: 0,
    step: encoding === "rgb8" ? width * 3 : width,
  };
}

/** An rgb8 sensor_msgs/Image from a tightly packed RGB frame (step = 3 * width). */
export function buildRgb8Image(header: HeaderMsg, frame: RgbFrame): ImageMsg {
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new Error(
      `rgb8 image: expected ${frame.width * frame.height * 3} bytes for ${frame.width}x${frame.height}, got ${frame.data.length}`,
    );
  }
  return { ...imageFields(header, frame.width, frame.height, "rgb8"), data: frame.data };
}

/** What a steering command says, in SI units. */
export interface SteeringValues {
  /** 1/m, positive turns left. */
  readonly curvature: number;
  /** rad, positive turns left. */
  readonly steeringWheelAngle: number;
  readonly modelName: string;
}

export function buildSteeringCommand(header: HeaderMsg, values: SteeringValues): SteeringCommandMsg {
  return {
    header: copyHeader(header),
    curvature: values.curvature,
    steering_wheel_angle: values.steeringWheelAngle,
    model_name: values.modelName,
  };
}

/** One intermediate mask at its feature map's resolution. */
export interface LayerMaskValues {
  readonly layer: string;
  readonly width: number;
  readonly height: number;
  readonly mask: Float32Array;
}

/** Per-frame timing, milliseconds, as msg/Saliency.msg defines it for the node and the bag tool. */
export interface FrameTiming {
  /** This frame's own conversion and preprocessing. */
  readonly preprocessMs: number;
  /** Its batch's engine run (outputs and the in-graph mask) over the frames in the batch. */
  readonly inferenceMs: number;
  /** From the engine's return to the Saliency message being built (mask and overlay come after). */
  readonly visualBackPropMs: number;
  /** From the frame's arrival (node callback, bag read) to the Saliency message being built. */
  readonly totalMs: number;
}

export interface SaliencyValues {
  readonly method: SaliencyMethod;
  /** Mask at the network's input resolution, row-major, values in [0, 1]. */
  readonly width: number;
  readonly height: number;
  readonly mask: Float32Array;
  /** Deepest first; empty unless layer masks are published. */
  readonly layers: readonly LayerMaskValues[];
  readonly timing: FrameTiming;
  readonly framesDropped: number;
}

export function buildSaliency(header: HeaderMsg, values: SaliencyValues): SaliencyMsg {
  if (values.mask.length !== values.width * values.height) {
    throw new Error(
      `saliency mask: expected ${values.width * values.height} values for ${values.width}x${values.height}, got ${values.mask.length}`,
    );
  }
  const layers: LayerMaskMsg[] = values.layers.map((layer) => ({
    layer: layer.layer,
    height: layer.height,
    width: layer.width,
    mask: layer.mask,
  }));
  return {
    header: copyHeader(header),
    method: values.method,
    height: values.height,
    width: values.width,
    mask: values.mask,
    layers,
    preprocess_ms: values.timing.preprocessMs,
    inference_ms: values.timing.inferenceMs,
    visualbackprop_ms: values.timing.visualBackPropMs,
    total_ms: values.timing.totalMs,
    frames_dropped: values.framesDropped,
  };
}

/** One frame's figures of two models compared (msg/SaliencyComparison.msg). */
export interface ComparisonValues {
  readonly modelName: string;
  readonly compareModelName: string;
  readonly curvature: number;
  readonly compareCurvature: number;
  readonly steeringWheelAngle: number;
  readonly compareSteeringWheelAngle: number;
  readonly maskDifference: number;
  readonly topIou: number;
  readonly topFraction: number;
}

export function buildSaliencyComparison(header: HeaderMsg, values: ComparisonValues): SaliencyComparisonMsg {
  return {
    header: copyHeader(header),
    model_name: values.modelName,
    compare_model_name: values.compareModelName,
    curvature: values.curvature,
    compare_curvature: values.compareCurvature,
    curvature_difference: values.compareCurvature - values.curvature,
    steering_wheel_angle: values.steeringWheelAngle,
    compare_steering_wheel_angle: values.compareSteeringWheelAngle,
    steering_wheel_angle_difference: values.compareSteeringWheelAngle - values.steeringWheelAngle,
    mask_difference: values.maskDifference,
    top_iou: values.topIou,
    top_fraction: values.topFraction,
  };
}

/** One diagnostic status before it becomes a message; values are rendered as strings there. */
export interface DiagnosticStatusValues {
  readonly level: DiagnosticLevelValue;
  readonly name: string;
  readonly message: string;
  readonly hardwareId: string;
  readonly values: ReadonlyArray<readonly [string, string | number | boolean]>;
}

function renderValue(value: string | number | boolean): string {
  if (typeof value !== "number") return String(value);
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

export function buildDiagnosticArray(
  stamp: TimeMsg,
  statuses: readonly DiagnosticStatusValues[],
): DiagnosticArrayMsg {
  const status: DiagnosticStatusMsg[] = statuses.map((entry) => ({
    level: entry.level,
    name: entry.name,
    message: entry.message,
    hardware_id: entry.hardwareId,
    values: entry.values.map(([key, value]): KeyValueMsg => ({ key, value: renderValue(value) })),
  }));
  return { header: { stamp: { sec: stamp.sec, nanosec: stamp.nanosec }, frame_id: "" }, status };
}
