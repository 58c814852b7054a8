/**
 * Narrowing of what a subscription callback receives (`unknown` at the ROS boundary) into the
 * message shapes the node works with. A malformed message becomes a clear error that the node
 * counts as a bad frame, never a crash deep in a conversion loop.
 */
import { ImageConversionError } from "../image/encodings";
import type { CompressedImageMsg, HeaderMsg, ImageMsg } from "../frame/message-types";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function numberField(record: Record<string, unknown>, key: string, what: string): number {
  const value = record[key];
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new ImageConversionError("size-mismatch", `${what}: field ${key} is not a number`);
}

function bytesField(record: Record<string, unknown>, key: string, what: string): Uint8Array {
  const value = record[key];
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value) && value.every((item) => typeof item === "number")) return Uint8Array.from(value);
  throw new ImageConversionError("truncated", `${what}: field ${key} is not a byte array`);
}

/** Reads std_msgs/Header; a missing header becomes stamp 0 and an empty frame_id. */
export function toHeader(value: unknown): HeaderMsg {
  const header = isRecord(value) ? value : {};
  const stamp = isRecord(header.stamp) ? header.stamp : {};
  const sec = typeof stamp.sec === "number" ? stamp.sec : 0;
  const nanosec = typeof stamp.nanosec === "number" ? stamp.nanosec : 0;
  const frameId = typeof header.frame_id === "string" ? header.frame_id : "";
  return { stamp: { sec, nanosec }, frame_id: frameId };
}

/** Narrows a received sensor_msgs/Image. */
export function toImageMsg(message: unknown): ImageMsg {
  if (!isRecord(message)) throw new ImageConversionError("truncated", "image message is not an object");
  const what = "sensor_msgs/Image";
  const encoding = message.encoding;
  if (typeof encoding !== "string")
    throw new ImageConversionError("unknown-encoding", `${what}: no encoding`);
  return {
    header: toHeader(message.header),
    height: numberField(message, "height", what),
    width: numberField(message, "width", what),
    encoding,
    is_bigendian: numberField(message, "is_bigendian", what),
    step: numberField(message, "step", what),
    data: bytesField(message, "data", what),
  };
}

/** Narrows a received sensor_msgs/CompressedImage. */
export function toCompressedImageMsg(message: unknown): CompressedImageMsg {
  if (!isRecord(message))
    throw new ImageConversionError("truncated", "compressed image message is not an object");
  const format = typeof message.format === "string" ? message.format : "";
  return {
    header: toHeader(message.header),
    format,
    data: bytesField(message, "data", "sensor_msgs/CompressedImage"),
  };
}
