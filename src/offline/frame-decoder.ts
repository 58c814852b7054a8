/**
 * Camera messages from a bag to RGB frames: the CDR bytes decoded, then the frame path's own
 * decode step (src/frame/frame-path.ts), so a frame that the node would drop is dropped here for
 * the same reason.
 */
import type { RosSerializer } from "../bag/ros-serializer";
import { decodeCameraImage } from "../frame/frame-path";
import { ImageConversionError } from "../image/encodings";
import type { CameraFrame } from "../image/frame";
import type { CompressedImageMsg, HeaderMsg, ImageMsg } from "../frame/message-types";
import { COMPRESSED_IMAGE_TYPE, IMAGE_TYPE } from "./camera-topics";

/** A camera frame ready for the model, with the header its outputs copy. */
export interface DecodedFrame {
  readonly header: HeaderMsg;
  readonly frame: CameraFrame;
}

/** Why a camera message produced no outputs; the summary counts frames by it. */
export class FrameSkip extends Error {
  /** `cdr` when the message bytes do not decode, else the ImageConversionError reason. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = "FrameSkip";
    this.reason = reason;
  }
}

/**
 * Decodes one camera message. Rejects with a FrameSkip (never anything else) when the bytes are not
 * a valid message or the image cannot be converted. With `borrow`, the frame may be a view of
 * `data` (a tightly packed rgb8 or mono8 image): only for bytes that stay unchanged while the
 * frame is used.
 */
export async function decodeCameraMessage(
  serializer: RosSerializer,
  compressed: boolean,
  data: Uint8Array,
  borrow = false,
): Promise<DecodedFrame> {
  let header: HeaderMsg;
  let frame: CameraFrame;
  try {
    if (compressed) {
      const message = decode<CompressedImageMsg>(serializer, COMPRESSED_IMAGE_TYPE, data);
      header = message.header;
      frame = await decodeCameraImage({ kind: "compressed", message });
    } else {
      const message = decode<ImageMsg>(serializer, IMAGE_TYPE, data);
      header = message.header;
      frame = await decodeCameraImage({ kind: "raw", message }, { borrow });
    }
  } catch (error) {
    if (error instanceof FrameSkip) throw error;
    const reason = error instanceof ImageConversionError ? error.reason : "conversion";
    throw new FrameSkip(reason, (error as Error).message);
  }
  return { header, frame };
}

function decode<T>(serializer: RosSerializer, type: string, data: Uint8Array): T {
  try {
    // The image bytes are read while they are converted into a new frame, or, borrowed, while the
    // frame is used: views, not copies.
    return serializer.decode<T>(type, data, { borrowBytes: true });
  } catch (error) {
    throw new FrameSkip("cdr", (error as Error).message);
  }
}
