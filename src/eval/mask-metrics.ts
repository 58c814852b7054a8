/**
 * How well a saliency mask points at what matters, from ground truth the synthetic drive knows:
 * focus ratios on labelled pixels, the paper's shift test, and deletion curves. Pure functions on
 * typed arrays; the model is run by the caller.
 */

/** Pixel rectangle, integer bounds, [x0, x1) x [y0, y1). */
export interface PixelRect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/**
 * The whole pixels a model's crop covers on a frame (a crop rectangle in pixels, possibly
 * fractional), clamped to the frame: where focus is counted.
 */
export function cropPixelRect(
  crop: { readonly x: number; readonly y: number; readonly width: number; readonly height: number },
  frameWidth: number,
  frameHeight: number,
): PixelRect {
  return {
    x0: Math.max(0, Math.floor(crop.x)),
    y0: Math.max(0, Math.floor(crop.y)),
    x1: Math.min(frameWidth, Math.ceil(crop.x + crop.width)),
    y1: Math.min(frameHeight, Math.ceil(crop.y + crop.height)),
  };
}

/** Running sums behind a focus ratio, pooled over frames so sparse labels do not swing it. */
export class FocusAccumulator {
  #massOnLabel = 0;
  #mass = 0;
  #labelPixels = 0;
  #pixels = 0;

  /**
   * Adds one frame: `mask` and `label` at frame resolution (`width` wide), counted inside `rect`
   * only, since the model never sees the rest of the frame. The mask may be float or 8-bit: the
   * ratio does not depend on its scale.
   */
  add(mask: Float32Array | Uint8Array, label: Uint8Array, width: number, rect: PixelRect): void {
    for (let y = rect.y0; y < rect.y1; y++) {
      for (let x = rect.x0; x < rect.x1; x++) {
        const i = y * width + x;
        const m = mask[i];
        this.#mass += m;
        this.#pixels++;
        if (label[i] !== 0) {
          this.#massOnLabel += m;
          this.#labelPixels++;
        }
      }
    }
  }

  /**
   * Share of mask mass on labelled pixels divided by the share of pixels they cover: 1.0 is no
   * better than a uniform mask, higher means the mask concentrates there. NaN without data.
   */
  ratio(): number {
    if (this.#mass <= 0 || this.#labelPixels === 0) return Number.NaN;
    return this.#massOnLabel / this.#mass / (this.#labelPixels / this.#pixels);
  }
}

/**
 * How a mask's weight on lane markings splits between the two lines of the car's lane, pooled over
 * frames: a model that steers by the lane, not by one line, puts a fair share on each.
 */
export class LineShareAccumulator {
  #onMarkings = 0;
  #onLeft = 0;
  #onRight = 0;

  /**
   * Adds one frame at frame resolution: `lane` is 1 on markings and road edges, `lines` says which
   * line of the car's lane a marking pixel shows (`left` or `right` code, else 0); inside `rect` only.
   */
  add(
    mask: Float32Array,
    lane: Uint8Array,
    lines: Uint8Array,
    codes: { readonly left: number; readonly right: number },
    width: number,
    rect: PixelRect,
  ): void {
    for (let y = rect.y0; y < rect.y1; y++) {
      for (let x = rect.x0; x < rect.x1; x++) {
        const i = y * width + x;
        if (lane[i] === 0) continue;
        const m = mask[i];
        this.#onMarkings += m;
        if (lines[i] === codes.left) this.#onLeft += m;
        else if (lines[i] === codes.right) this.#onRight += m;
      }
    }
  }

  /** Shares (0..1) of the mask's weight on markings that lie on the left and on the right line; NaN without data. */
  shares(): { left: number; right: number } {
    if (this.#onMarkings <= 0) return { left: Number.NaN, right: Number.NaN };
    return { left: this.#onLeft / this.#onMarkings, right: this.#onRight / this.#onMarkings };
  }
}

/** The `share` of pixels with the highest mask values, grown by `dilation` pixels (8-connected). */
export function salientRegion(
  mask: Float32Array,
  width: number,
  height: number,
  share: number,
  dilation: number,
): Uint8Array {
  if (!(share > 0 && share < 1)) throw new Error(`salient share must be in (0, 1), got ${share}`);
  const sorted = Float32Array.from(mask).sort();
  const threshold = sorted[Math.min(sorted.length - 1, Math.floor((1 - share) * sorted.length))];
  let region = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) region[i] = mask[i] >= threshold && mask[i] > 0 ? 1 : 0;
  for (let step = 0; step < dilation; step++) {
    const grown = new Uint8Array(region);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (region[y * width + x] === 0) continue;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < height && xx >= 0 && xx < width) grown[yy * width + xx] = 1;
          }
        }
      }
    }
    region = grown;
  }
  return region;
}

/**
 * Shifts an image tensor (C, H, W) horizontally by `shift` pixels (edge pixels repeat), but only
 * where `where` says 1 (or only where it says 0, with `invert`): the paper's shift test moves the
 * salient part and the rest separately by the same amount.
 *
 * With `sameSideOnly`, a pixel takes the value `shift` pixels away only when that source pixel is on
 * the same side of `where` as itself, else it keeps its own. Moving the rest then never paints a
 * copy of the salient region beside it: without it, a salient line `shift` pixels from the rest
 * reappears there, and a model that reads lines reads the copy (a diagnostic, not the paper's test).
 */
export function shiftWhere(
  input: Float32Array,
  channels: number,
  height: number,
  width: number,
  where: Uint8Array,
  shift: number,
  invert: boolean,
  sameSideOnly = false,
): Float32Array {
  const out = Float32Array.from(input);
  const plane = height * width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if ((where[p] === 1) === invert) continue;
      const sx = Math.min(width - 1, Math.max(0, x - shift));
      if (sameSideOnly && where[y * width + sx] !== where[p]) continue;
      for (let c = 0; c < channels; c++) out[c * plane + p] = input[c * plane + y * width + sx];
    }
  }
  return out;
}

/**
 * Copies of the input with the first `fractions[k]` of `order` (pixel indices) replaced by the
 * image's per-channel mean: the points of a deletion curve, written into one batch buffer.
 */
export function deletionSeries(
  input: Float32Array,
  channels: number,
  plane: number,
  order: Uint32Array,
  fractions: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const means = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let p = 0; p < plane; p++) sum += input[c * plane + p];
    means[c] = sum / plane;
  }
  const size = channels * plane;
  fractions.forEach((fraction, k) => {
    const base = offset + k * size;
    out.set(input, base);
    const removed = Math.round(fraction * plane);
    for (let r = 0; r < removed; r++) {
      const p = order[r];
      for (let c = 0; c < channels; c++) out[base + c * plane + p] = means[c];
    }
  });
}

/** Pixel indices from the most to the least salient. */
export function saliencyOrder(mask: Float32Array): Uint32Array {
  const order = Uint32Array.from({ length: mask.length }, (_, i) => i);
  return order.sort((a, b) => mask[b] - mask[a] || a - b);
}

/** A seeded random permutation of pixel indices (the deletion curve's baseline). */
export function randomOrder(length: number, random: () => number): Uint32Array {
  const order = Uint32Array.from({ length }, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Area under a curve sampled at `x` (trapezoids), divided by the x range: a mean height. */
export function meanHeight(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((y[i] + y[i - 1]) / 2) * (x[i] - x[i - 1]);
  return area / (x[x.length - 1] - x[0]);
}
