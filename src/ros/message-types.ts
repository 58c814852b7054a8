/**
 * Plain JavaScript shapes of the ROS 2 messages this package reads and writes, field for field as
 * rclnodejs represents them (snake_case names, `uint8[]` as Uint8Array, `float32[]` as
 * Float32Array). rclnodejs publishes such plain objects directly, and the bag tool serialises them.
 */
import type { TimeMsg } from "./ros-api.js";

export type { TimeMsg };

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

/** diagnostic_msgs/msg/KeyValue */
export interface KeyValueMsg {
  key: string;
  value: string;
}

/** diagnostic_msgs/msg/DiagnosticStatus */
export interface DiagnosticStatusMsg {
  /** OK 0, WARN 1, ERROR 2, STALE 3. */
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValueMsg[];
}

/** diagnostic_msgs/msg/DiagnosticArray */
export interface DiagnosticArrayMsg {
  header: HeaderMsg;
  status: DiagnosticStatusMsg[];
}

/** ROS type names, as createPublisher / createSubscription take them. */
export const MessageTypes = {
  image: "sensor_msgs/msg/Image",
  compressedImage: "sensor_msgs/msg/CompressedImage",
  float32: "std_msgs/msg/Float32",
  steeringCommand: "visualbackprop/msg/SteeringCommand",
  saliency: "visualbackprop/msg/Saliency",
  diagnosticArray: "diagnostic_msgs/msg/DiagnosticArray",
} as const;

/** The package's own types: they exist in rclnodejs only after colcon build and generation. */
export const OWN_MESSAGE_TYPES: readonly string[] = [MessageTypes.steeringCommand, MessageTypes.saliency];
