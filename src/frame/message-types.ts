/**
 * Plain JavaScript shapes of the ROS 2 messages this package reads and writes, field for field as
 * rclnodejs represents them (snake_case names, `uint8[]` as Uint8Array, `float32[]` as
 * Float32Array). rclnodejs publishes such plain objects directly, and the bag tool serialises them.
 */
import type { HeaderMsg } from "../bag/ros-types";

// One definition of each message shape, shared with the bag tools that serialise them.
export type {
  CompressedImageMsg,
  Float32Msg,
  HeaderMsg,
  ImageMsg,
  LayerMaskMsg,
  SaliencyComparisonMsg,
  SaliencyMsg,
  SteeringCommandMsg,
  TimeMsg,
} from "../bag/ros-types";

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
  saliencyComparison: "visualbackprop/msg/SaliencyComparison",
  diagnosticArray: "diagnostic_msgs/msg/DiagnosticArray",
} as const;
