/**
 * Separable resampling with a triangle (linear) filter that widens when shrinking, so downscaling
 * averages every source pixel (no aliasing) and upscaling is plain bilinear. Pixel centres are
 * aligned (the half-pixel convention of OpenCV's INTER_LINEAR and PyTorch's align_corners=False).
 */

/** Source taps and weights for each output position along one axis. */
export interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** Per output position, `maxTaps` weights (unused ones are 0). */
  readonly weights: Float32Array;
  readonly maxTaps: number;
}

/**
 * Taps that map `[srcStart, srcStart + srcLength)` of a source axis onto `dstLength` outputs.
 * Fractional `srcStart`/`srcLength` let a crop rectangle fall between pixels.
 */
export function axisTaps(srcSize: number, srcStart: number, srcLength: number, dstLength: number): AxisTaps {
  const scale = srcLength / dstLength;
  const support = Math.max(1, scale);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(dstLength);
  const count = new Int32Array(dstLength);
  const weights = new Float32Array(dstLength * maxTaps);
  for (let i = 0; i < dstLength; i++) {
    const center = srcStart + (i + 0.5) * scale - 0.5;
    let first = Math.ceil(center - support);
    let last = Math.floor(center + support);
    first = Math.max(first, 0);
    last = Math.min(last, srcSize - 1);
    if (last < first) {
      // The window fell outside the image: clamp to the nearest edge pixel.
      first = last = Math.min(Math.max(Math.round(center), 0), srcSize - 1);
    }
    let sum = 0;
    const n = Math.min(last - first + 1, maxTaps);
    for (let k = 0; k < n; k++) {
      const w = Math.max(0, 1 - Math.abs(first + k - center) / support);
      weights[i * maxTaps + k] = w;
      sum += w;
    }
    if (sum === 0) {
      weights[i * maxTaps] = 1;
      sum = 1;
    }
    for (let k = 0; k < n; k++) weights[i * maxTaps + k] /= sum;
    start[i] = first;
    count[i] = n;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resamples an interleaved image (`channels` values a pixel, rows of `srcWidth * channels`) region
 * into a float buffer of `dstWidth x dstHeight x channels`.
 */
export function resampleRegion(
  src: ArrayLike<number>,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  region: { x: number; y: number; width: number; height: number },
  dstWidth: number,
  dstHeight: number,
): Float32Array {
  const xt = axisTaps(srcWidth, region.x, region.width, dstWidth);
  const yt = axisTaps(srcHeight, region.y, region.height, dstHeight);
  // Rows first: only the source rows some output row touches are filtered horizontally.
  const rowFirst = yt.start[0];
  const rowLast = yt.start[dstHeight - 1] + yt.count[dstHeight - 1] - 1;
  const rows = rowLast - rowFirst + 1;
  const horizontal = new Float32Array(rows * dstWidth * channels);
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowFirst + r) * srcWidth * channels;
    const outRow = r * dstWidth * channels;
    for (let x = 0; x < dstWidth; x++) {
      const s = xt.start[x];
      const n = xt.count[x];
      const wBase = x * xt.maxTaps;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += xt.weights[wBase + k] * src[srcRow + (s + k) * channels + c];
        horizontal[outRow + x * channels + c] = acc;
      }
    }
  }
  const out = new Float32Array(dstWidth * dstHeight * channels);
  const rowLength = dstWidth * channels;
  for (let y = 0; y < dstHeight; y++) {
    const s = yt.start[y] - rowFirst;
    const n = yt.count[y];
    const wBase = y * yt.maxTaps;
    const outRow = y * rowLength;
    for (let k = 0; k < n; k++) {
      const w = yt.weights[wBase + k];
      const inRow = (s + k) * rowLength;
      for (let i = 0; i < rowLength; i++) out[outRow + i] += w * horizontal[inRow + i];
    }
  }
  return out;
}
