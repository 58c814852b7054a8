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
  const head = serializer.encode(type, { ...message, data: NO_PIXELS });
  const lengthAt = head.byteLength - 4;
  // Byte 1 of the encapsulation header is the kind; odd kinds are little-endian.
  const littleEndian = (head[1] & 1) === 1;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (lengthAt < 4 || view.getUint32(lengthAt, littleEndian) !== 0)
    throw new Error(`image message: ${type} does not end in its pixel data`);
  const bytes = allocate(head.byteLength + dataLength);
  if (bytes.byteLength !== head.byteLength + dataLength)
    throw new Error(`image message: allocated ${bytes.byteLength} bytes for ${head.byteLength + dataLength}`);
  bytes.set(head);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(
    lengthAt,
    dataLength,
    littleEndian,
  );
  return { bytes, data: bytes.subarray(head.byteLength) };
}
