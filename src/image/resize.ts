/**
 * Separable resampling with a triangle (linear) filter that widens when shrinking, so downscaling
 * averages every source pixel (no aliasing) and upscaling is plain bilinear. Pixel centres are
 * aligned (the half-pixel convention of OpenCV's INTER_LINEAR and PyTorch's align_corners=False).
 * This runs for every camera frame, so taps are cached and the inner loops are kept monomorphic.
 */

/** Source taps and weights for each output position along one axis. */
export interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** Per output position, `maxTaps` weights (unused ones are 0). */
  readonly weights: Float32Array;
  readonly maxTaps: number;
}

const tapCache = new Map<string, AxisTaps>();
const TAP_CACHE_LIMIT = 64;

/**
 * Taps that map `[srcStart, srcStart + srcLength)` of a source axis onto `dstLength` outputs.
 * Fractional `srcStart`/`srcLength` let a crop rectangle fall between pixels.
 */
export function axisTaps(srcSize: number, srcStart: number, srcLength: number, dstLength: number): AxisTaps {
  const key = `${srcSize}:${srcStart}:${srcLength}:${dstLength}`;
  const cached = tapCache.get(key);
  if (cached !== undefined) return cached;
  const taps = computeTaps(srcSize, srcStart, srcLength, dstLength);
  // Camera sizes and crops rarely change; a small bound keeps odd callers from growing it forever.
  if (tapCache.size >= TAP_CACHE_LIMIT) tapCache.clear();
  tapCache.set(key, taps);
  return taps;
}

function computeTaps(srcSize: number, srcStart: number, srcLength: number, dstLength: number): AxisTaps {
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

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Resamples an interleaved 8-bit image (`channels` values a pixel) region into a float buffer of
 * `dstWidth x dstHeight x channels`.
 */
export function resampleBytes(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  region: Region,
  dstWidth: number,
  dstHeight: number,
): Float32Array {
  const xt = axisTaps(srcWidth, region.x, region.width, dstWidth);
  const yt = axisTaps(srcHeight, region.y, region.height, dstHeight);
  const rowFirst = yt.start[0];
  const rows = yt.start[dstHeight - 1] + yt.count[dstHeight - 1] - rowFirst;
  const horizontal = new Float32Array(rows * dstWidth * channels);
  const { start, count, weights, maxTaps } = xt;
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowFirst + r) * srcWidth * channels;
    const outRow = r * dstWidth * channels;
    for (let x = 0; x < dstWidth; x++) {
      const n = count[x];
      const wBase = x * maxTaps;
      const p = srcRow + start[x] * channels;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        let q = p + c;
        for (let k = 0; k < n; k++, q += channels) acc += weights[wBase + k] * src[q];
        horizontal[outRow + x * channels + c] = acc;
      }
    }
  }
  return vertical(horizontal, yt, rowFirst, dstWidth * channels, dstHeight);
}

/** Where resampled rows land in a larger image: its buffer, row stride and top-left corner. */
export interface Placement {
  readonly data: Float32Array;
  readonly stride: number;
  readonly x: number;
  readonly y: number;
}

/**
 * The same for a single-channel float image, such as a mask. With `into`, rows are written
 * straight into a larger image (a camera frame) instead of a new buffer.
 */
export function resampleFloats(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  region: Region,
  dstWidth: number,
  dstHeight: number,
  into?: Placement,
): Float32Array {
  const xt = axisTaps(srcWidth, region.x, region.width, dstWidth);
  const yt = axisTaps(srcHeight, region.y, region.height, dstHeight);
  const rowFirst = yt.start[0];
  const rows = yt.start[dstHeight - 1] + yt.count[dstHeight - 1] - rowFirst;
  const horizontal = new Float32Array(rows * dstWidth);
  const { start, count, weights, maxTaps } = xt;
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowFirst + r) * srcWidth;
    const outRow = r * dstWidth;
    for (let x = 0; x < dstWidth; x++) {
      const n = count[x];
      const wBase = x * maxTaps;
      const p = srcRow + start[x];
      let acc = 0;
      for (let k = 0; k < n; k++) acc += weights[wBase + k] * src[p + k];
      horizontal[outRow + x] = acc;
    }
  }
  return vertical(horizontal, yt, rowFirst, dstWidth, dstHeight, into);
}

function vertical(
  horizontal: Float32Array,
  yt: AxisTaps,
  rowFirst: number,
  rowLength: number,
  dstHeight: number,
  into?: Placement,
): Float32Array {
  const out = into?.data ?? new Float32Array(rowLength * dstHeight);
  const stride = into?.stride ?? rowLength;
  const origin = into === undefined ? 0 : into.y * into.stride + into.x;
  for (let y = 0; y < dstHeight; y++) {
    const s = yt.start[y] - rowFirst;
    const n = yt.count[y];
    const wBase = y * yt.maxTaps;
    const outRow = origin + y * stride;
    for (let k = 0; k < n; k++) {
      const w = yt.weights[wBase + k];
      const inRow = (s + k) * rowLength;
      for (let i = 0; i < rowLength; i++) out[outRow + i] += w * horizontal[inRow + i];
    }
  }
  return out;
}
