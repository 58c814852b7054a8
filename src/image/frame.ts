/** A tightly packed 8-bit RGB image, row-major, 3 bytes a pixel: the one pixel format the core works in. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes, R G B, no row padding. */
  readonly data: Uint8Array;
}

/** A single-channel float image, row-major, such as a saliency mask. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  /** width * height values. */
  readonly data: Float32Array;
}

/** Checks that a frame's buffer holds exactly width * height * 3 bytes. */
export function assertRgbFrame(frame: RgbFrame, what = "frame"): void {
  if (
    !Number.isInteger(frame.width) ||
    !Number.isInteger(frame.height) ||
    frame.width <= 0 ||
    frame.height <= 0
  ) {
    throw new Error(`${what}: expected a positive integer size, got ${frame.width}x${frame.height}`);
  }
  const expected = frame.width * frame.height * 3;
  if (frame.data.length !== expected) {
    throw new Error(
      `${what}: expected ${expected} bytes for ${frame.width}x${frame.height} rgb8, got ${frame.data.length}`,
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
