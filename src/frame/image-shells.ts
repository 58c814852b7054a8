/**
 * A frame's mask (mono8) and overlay (rgb8) messages, serialised around pixel data still to be
 * drawn: buildImageOutputs renders into their pixel bytes (its targets). The bag tool writes the
 * bytes to its output bag; the node publishes them as serialised messages, so rclnodejs neither
 * wraps, copies nor converts a camera-sized image per publish.
 */
import { encodeImageShell, type ImageShell } from "../bag/image-cdr";
import type { RosSerializer } from "../bag/ros-serializer";
import type { CameraFrame, FloatImage } from "../image/frame";
import { buildImageOutputs, type ImageSettings } from "./frame-path";
import type { HeaderMsg } from "./message-types";
import { imageFields } from "./messages";
import type { ImageOps } from "./model-port";

/** sensor_msgs/msg/Image, the type of both messages. */
const IMAGE = "sensor_msgs/msg/Image";

export interface FrameImageShells {
  readonly mask?: ImageShell;
  readonly overlay?: ImageShell;
}

/** The shells asked for, each in a buffer from `allocate` (exactly its length). */
export function frameImageShells(
  serializer: RosSerializer,
  header: HeaderMsg,
  width: number,
  height: number,
  wanted: { readonly mask: boolean; readonly overlay: boolean },
  allocate: (byteLength: number) => Uint8Array,
): FrameImageShells {
  const shell = (encoding: "mono8" | "rgb8", channels: number): ImageShell =>
    encodeImageShell(
      serializer,
      IMAGE,
      imageFields(header, width, height, encoding),
      width * height * channels,
      allocate,
    );
  return {
    mask: wanted.mask ? shell("mono8", 1) : undefined,
    overlay: wanted.overlay ? shell("rgb8", 3) : undefined,
  };
}

/** A frame's serialised mask and overlay messages, each only when asked for. */
export interface SerialisedImages {
  readonly mask?: Uint8Array;
  readonly overlay?: Uint8Array;
}

/**
 * Step 5 of the frame path (buildImageOutputs) drawn straight into serialised messages, in buffers
 * from `allocate`: the node's images, and its warm-up's.
 */
export function serialisedImageOutputs(
  serializer: RosSerializer,
  header: HeaderMsg,
  frame: CameraFrame,
  mask: FloatImage,
  settings: ImageSettings,
  imageOps: Pick<ImageOps, "mapMaskToMono8" | "renderOverlay">,
  allocate: (byteLength: number) => Uint8Array,
): SerialisedImages {
  if (!settings.mask && !settings.overlay) return {};
  const shells = frameImageShells(serializer, header, frame.width, frame.height, settings, allocate);
  buildImageOutputs(header, frame, mask, settings, imageOps, undefined, {
    // The overlay's colour index is the mask's levels, drawn in a buffer of its own when no mask goes out.
    mask: shells.mask?.data ?? allocate(frame.width * frame.height),
    overlay: shells.overlay?.data,
  });
  return { mask: shells.mask?.bytes, overlay: shells.overlay?.bytes };
}
