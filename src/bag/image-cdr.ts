/**
 * A sensor_msgs/Image serialised around pixel bytes that are not there yet: the header, sizes and
 * encoding in CDR, then room for the pixels, which the caller writes in place. The bag tool renders
 * its mask and overlay straight into the message this way, instead of into an image of their own
 * that serialising copies again: on camera-sized images a fresh buffer per copy is among the larger
 * per-frame costs. The bytes are those `RosSerializer.encode` writes for the message with those
 * pixels: `data` is the type's last field, a uint8 sequence (length, then the bytes, no padding).
 */
import type { ImageMsg } from "./ros-types";
import type { RosSerializer } from "./ros-serializer";

export interface ImageShell {
  /** The whole message. */
  readonly bytes: Uint8Array;
  /**
   * Its pixel bytes, a view into `bytes`: zeros in a new buffer, stale bytes in a reused one, so
   * the caller writes every one of them.
   */
  readonly data: Uint8Array;
}

const NO_PIXELS = new Uint8Array(0);

/**
 * The serialised head of each kind of image message seen (type and every field but the stamp), per
 * serialiser: a camera's frames differ only in their stamps, so the head is encoded once and later
 * frames write their stamp into a copy of it (the serialiser takes longer than the copy). Kept only
 * where a probe shows the stamp at bytes 4..12 (Header first, CDR: sec, then nanosec).
 */
const heads = new WeakMap<RosSerializer, Map<string, Uint8Array | null>>();
const MAX_HEADS = 32;
const PROBE_STAMP = { sec: 0x1234_5678, nanosec: 0x0abc_def1 };

function encodeHead(serializer: RosSerializer, type: string, message: Omit<ImageMsg, "data">): Uint8Array {
  const { stamp, frame_id } = message.header;
  const key = JSON.stringify([
    type,
    frame_id,
    message.height,
    message.width,
    message.encoding,
    message.is_bigendian,
    message.step,
  ]);
  let known = heads.get(serializer);
  if (known === undefined) heads.set(serializer, (known = new Map()));
  const cached = known.get(key);
  if (cached !== undefined && cached !== null) {
    const head = cached.slice();
    writeStamp(head, stamp);
    return head;
  }
  const head = serializer.encode(type, { ...message, data: NO_PIXELS });
  if (cached === null || known.size >= MAX_HEADS) return head;
  known.set(key, stampAtFour(serializer, type, message, head) ? head.slice() : null);
  return head;
}

/** Whether `head`, `message` serialised, holds its stamp at bytes 4..12 and depends on it nowhere else. */
function stampAtFour(
  serializer: RosSerializer,
  type: string,
  message: Omit<ImageMsg, "data">,
  head: Uint8Array,
): boolean {
  const probe = serializer.encode(type, {
    ...message,
    header: { stamp: PROBE_STAMP, frame_id: message.header.frame_id },
    data: NO_PIXELS,
  });
  if (probe.byteLength < 12) return false;
  const check = probe.slice();
  // Writing the probe stamp at 4..12 changes nothing only if it is there already.
  writeStamp(check, PROBE_STAMP);
  if (check.some((v, i) => v !== probe[i])) return false;
  writeStamp(check, message.header.stamp);
  return check.length === head.length && check.every((v, i) => v === head[i]);
}

/** Whether a serialised message is little-endian: byte 1 of the encapsulation header is the kind, odd ones are. */
function littleEndian(bytes: Uint8Array): boolean {
  return (bytes[1] & 1) === 1;
}

/** A Header's stamp into a serialised message that starts with one (CDR: sec, then nanosec). */
function writeStamp(bytes: Uint8Array, stamp: { readonly sec: number; readonly nanosec: number }): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = littleEndian(bytes);
  view.setInt32(4, stamp.sec, little);
  view.setUint32(8, stamp.nanosec, little);
}

/**
 * `message` (its `data` ignored) as `type` with room for `dataLength` pixel bytes, in the buffer
 * `allocate` gives for the whole message (a reused one saves a camera-sized allocation per frame;
 * every byte before the pixels is written here).
 */
export function encodeImageShell(
  serializer: RosSerializer,
  type: string,
  message: Omit<ImageMsg, "data">,
  dataLength: number,
  allocate: (byteLength: number) => Uint8Array = (byteLength) => new Uint8Array(byteLength),
): ImageShell {
  if (!Number.isInteger(dataLength) || dataLength < 0)
    throw new Error(`image message: expected a pixel byte count >= 0, got ${dataLength}`);
  const head = encodeHead(serializer, type, message);
  const lengthAt = head.byteLength - 4;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const little = littleEndian(head);
  if (lengthAt < 4 || view.getUint32(lengthAt, little) !== 0)
    throw new Error(`image message: ${type} does not end in its pixel data`);
  const bytes = allocate(head.byteLength + dataLength);
  if (bytes.byteLength !== head.byteLength + dataLength)
    throw new Error(`image message: allocated ${bytes.byteLength} bytes for ${head.byteLength + dataLength}`);
  bytes.set(head);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(lengthAt, dataLength, little);
  return { bytes, data: bytes.subarray(head.byteLength) };
}
