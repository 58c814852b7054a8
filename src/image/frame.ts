/** A tightly packed 8-bit RGB image, row-major, 3 bytes a pixel: the pixel format pictures are drawn in. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  /** Absent or 3: what tells an RgbFrame from a GreyFrame. */
  readonly channels?: 3;
  /** width * height * 3 bytes, R G B, no row padding. */
  readonly data: Uint8Array;
}

/**
 * A tightly packed 8-bit grey image, 1 byte a pixel: a mono8 (or mono16) camera frame as it came.
 * A grey model takes its bytes as they are, and a colour model reads each as R = G = B, so it is
 * widened to RGB only where a picture (overlay, difference image) is drawn on it.
 */
export interface GreyFrame {
  readonly width: number;
  readonly height: number;
  readonly channels: 1;
  /** width * height bytes, no row padding. */
  readonly data: Uint8Array;
}

/** A decoded camera frame: RGB, or grey as a mono camera sends it. */
export type CameraFrame = RgbFrame | GreyFrame;

/** Bytes per pixel of a camera frame. */
export function frameChannels(frame: CameraFrame): 1 | 3 {
  return frame.channels === 1 ? 1 : 3;
}

/** The frame as RGB: itself, or a grey frame's bytes widened (R = G = B) for drawing on. */
export function toRgbFrame(frame: CameraFrame): RgbFrame {
  if (frame.channels !== 1) return frame;
  const { width, height, data } = frame;
  const rgb = new Uint8Array(data.length * 3);
  for (let p = 0, i = 0; p < data.length; p++, i += 3) {
    const value = data[p];
    rgb[i] = value;
    rgb[i + 1] = value;
    rgb[i + 2] = value;
  }
  return { width, height, data: rgb };
}

/** A single-channel float image, row-major, such as a saliency mask. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  /** width * height values. */
  readonly data: Float32Array;
}

/** Checks that a frame's buffer holds exactly width * height * channels bytes (3 for RGB, 1 for grey). */
export function assertFrame(frame: CameraFrame, what = "frame"): void {
  if (
    !Number.isInteger(frame.width) ||
    !Number.isInteger(frame.height) ||
    frame.width <= 0 ||
    frame.height <= 0
  ) {
    throw new Error(`${what}: expected a positive integer size, got ${frame.width}x${frame.height}`);
  }
  const channels = frameChannels(frame);
  const expected = frame.width * frame.height * channels;
  if (frame.data.length !== expected) {
    throw new Error(
      `${what}: expected ${expected} bytes for ${frame.width}x${frame.height} ${channels === 1 ? "mono8" : "rgb8"}, got ${frame.data.length}`,
    );
  }
}

/**
 * Where a kernel puts the bytes it returns: a fresh buffer (the default, for callers that keep
 * what they get) or one lent by a pool (the node, which is done with its images within the batch).
 * A lent buffer holds old bytes, so a kernel writes every byte of it.
 */
export type ByteAllocator = (length: number) => Uint8Array;

export const freshBytes: ByteAllocator = (length) => new Uint8Array(length);
