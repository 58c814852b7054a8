/**
 * How differently two steering models look at the same camera frame, from their masks at the
 * camera's resolution as the mask topics carry them (mono8, from mapMaskToMono8). Pure functions
 * on typed arrays, so the node and the bag tool compute the same figures, and tests can pin them.
 *
 * The 8-bit masks are used, not the float ones, because they are rendered for the mask and
 * overlay anyway (the comparison costs no second resampling) and a difference below one level
 * (1/255) is not one a person can see in the images either.
 */
import { type CameraFrame, type RgbFrame, toRgbFrame } from "../image/frame";

/** The share of each mask's pixels taken as its most salient ones, unless told otherwise. */
export const TOP_FRACTION = 0.05;

export interface MaskComparison {
  /** Mean absolute difference of the two masks, in [0, 1] (levels / 255). */
  readonly maskDifference: number;
  /** Intersection over union of the masks' top `topFraction` pixels, in [0, 1]. */
  readonly topIou: number;
  readonly topFraction: number;
}

function checkPair(a: Uint8Array, b: Uint8Array): void {
  if (a.length !== b.length)
    throw new Error(
      `mask comparison: the masks must have the same size (camera resolution), got ${a.length} and ${b.length} pixels`,
    );
  if (a.length === 0) throw new Error("mask comparison: the masks are empty (0 pixels)");
}

/** Mean |a - b| of two mono8 masks of the same size, scaled to [0, 1]. */
export function meanAbsMaskDifference(a: Uint8Array, b: Uint8Array): number {
  checkPair(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d < 0 ? -d : d;
  }
  return sum / (255 * a.length);
}

/**
 * The level at and above which a mask's `fraction` most salient pixels lie: the value of its
 * ceil(fraction * n)-th largest pixel. Pixels tied with it count as salient too, so a flat mask
 * is salient everywhere rather than at whichever pixels come first.
 */
export function topLevel(mask: Uint8Array, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1))
    throw new Error(`top fraction: expected a number in (0, 1], got ${fraction}`);
  const histogram = new Uint32Array(256);
  for (let i = 0; i < mask.length; i++) histogram[mask[i]] += 1;
  const wanted = Math.max(1, Math.ceil(fraction * mask.length));
  let seen = 0;
  for (let level = 255; level > 0; level--) {
    seen += histogram[level];
    if (seen >= wanted) return level;
  }
  return 0;
}

/** IoU of the two masks' top `fraction` pixels (see topLevel); 1 for identical masks. */
export function topFractionIoU(a: Uint8Array, b: Uint8Array, fraction = TOP_FRACTION): number {
  checkPair(a, b);
  const levelA = topLevel(a, fraction);
  const levelB = topLevel(b, fraction);
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const inA = a[i] >= levelA;
    const inB = b[i] >= levelB;
    if (inA && inB) intersection += 1;
    if (inA || inB) union += 1;
  }
  return union === 0 ? 1 : intersection / union;
}

/** Both figures of one frame. */
export function compareMasks(a: Uint8Array, b: Uint8Array, fraction = TOP_FRACTION): MaskComparison {
  return {
    maskDifference: meanAbsMaskDifference(a, b),
    topIou: topFractionIoU(a, b, fraction),
    topFraction: fraction,
  };
}

/**
 * The difference image: the main model's mask in magenta, the compared model's in green, over
 * the camera frame in dimmed grey, so where only the main model looks is magenta, where only the
 * compared one looks is green, and where both look is white. Magenta and green stay apart for
 * the common colour-vision deficiencies.
 */
export function renderDifferenceImage(a: Uint8Array, b: Uint8Array, camera: CameraFrame): RgbFrame {
  const frame = toRgbFrame(camera);
  checkPair(a, b);
  const pixels = frame.width * frame.height;
  if (a.length !== pixels)
    throw new Error(
      `difference image: the masks have ${a.length} pixels, the ${frame.width}x${frame.height} frame ${pixels}`,
    );
  const src = frame.data;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    // Grey at a quarter of its brightness: the scene for orientation, not competing with the masks.
    const grey = (src[p] * 77 + src[p + 1] * 150 + src[p + 2] * 29) >> 10;
    const ma = a[i];
    const mb = b[i];
    out[p] = ma > grey ? ma : grey;
    out[p + 1] = mb > grey ? mb : grey;
    out[p + 2] = ma > grey ? ma : grey;
  }
  return { width: frame.width, height: frame.height, data: out };
}
