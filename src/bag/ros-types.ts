/**
 * TypeScript shapes of the messages the package reads and writes, as the serializer decodes them
 * (the rclnodejs shape), so callers do not index untyped objects.
 */

/** builtin_interfaces/msg/Time */
export interface TimeMsg {
  sec: number;
  nanosec: number;
}

/** std_msgs/msg/Header */
export interface HeaderMsg {
  stamp: TimeMsg;
  frame_id: string;
}

/** sensor_msgs/msg/Image */
export interface ImageMsg {
  header: HeaderMsg;
  height: number;
  width: number;
  encoding: string;
  /** 0 or 1; only matters for encodings wider than 8 bits per channel. */
  is_bigendian: number;
  /** Bytes per row, padding included. */
  step: number;
  data: Uint8Array;
}

/** sensor_msgs/msg/CompressedImage */
export interface CompressedImageMsg {
  header: HeaderMsg;
  /** "jpeg", "png", or image_transport's "bgr8; jpeg compressed bgr8". */
  format: string;
  data: Uint8Array;
}

/** std_msgs/msg/Float32 */
export interface Float32Msg {
  data: number;
}

/** visualbackprop/msg/SteeringCommand */
export interface SteeringCommandMsg {
  header: HeaderMsg;
  curvature: number;
  steering_wheel_angle: number;
  model_name: string;
}

/** visualbackprop/msg/LayerMask */
export interface LayerMaskMsg {
  layer: string;
  height: number;
  width: number;
  mask: Float32Array;
}

/** visualbackprop/msg/Saliency */
export interface SaliencyMsg {
  header: HeaderMsg;
  method: string;
  height: number;
  width: number;
  mask: Float32Array;
  layers: LayerMaskMsg[];
  preprocess_ms: number;
  inference_ms: number;
  visualbackprop_ms: number;
  total_ms: number;
  frames_dropped: number;
}

/** visualbackprop/msg/SaliencyComparison */
export interface SaliencyComparisonMsg {
  header: HeaderMsg;
  model_name: string;
  compare_model_name: string;
  curvature: number;
  compare_curvature: number;
  curvature_difference: number;
  steering_wheel_angle: number;
  compare_steering_wheel_angle: number;
  steering_wheel_angle_difference: number;
  mask_difference: number;
  top_iou: number;
  top_fraction: number;
}

/** Nanoseconds since the epoch of a header stamp, for comparing with bag log times. */
export function stampToNs(stamp: TimeMsg): bigint {
  return BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec);
}

/** The stamp for a nanosecond time (floor division, so negative times stay valid). */
export function nsToStamp(ns: bigint): TimeMsg {
  let sec = ns / 1_000_000_000n;
  let nanosec = ns % 1_000_000_000n;
  if (nanosec < 0n) {
    nanosec += 1_000_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nanosec: Number(nanosec) };
}
