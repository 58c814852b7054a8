/**
 * Separable resampling with a triangle (linear) filter that widens when shrinking, so downscaling
 * averages every source pixel (no aliasing) and upscaling is plain bilinear. Pixel centres are
 * aligned (the half-pixel convention of OpenCV's INTER_LINEAR and PyTorch's align_corners=False).
 *
 * This runs for every camera frame, beside an engine that takes about a millisecond a frame. The
 * two hot cases, RGB frames into the model input and a mask mapped back up to mono8, run in the
 * WebAssembly SIMD kernels (simd/kernels.wat), in float32 four lanes at a time; the other cases
 * (other channel counts, float output, a mask that shrinks) run here in typed-array loops that
 * sum taps in doubles, as the straightforward version in test/image/reference-kernels.ts does.
 * The kernels' values differ from the loops' by float32 rounding only: the model input by under
 * 1/1000 of a camera level, mask levels by at most one (test/image/tolerance.ts).
 */
import { type ColourTransform, simdBilinearLevels, simdResampleRgb } from "./simd/kernels";

export type { ColourTransform } from "./simd/kernels";

/** Source taps and weights for each output position along one axis. */
export interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** Per output position, `maxTaps` weights (unused ones are 0), float32 values held as doubles. */
  readonly weights: Float64Array;
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
  // Normalised in float32, as the reference does, then widened once.
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
  return { start, count, weights: Float64Array.from(weights), maxTaps };
}

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where resampled rows land in a larger image: its buffer, row stride and top-left corner. */
export interface Placement {
  readonly data: Float32Array;
  readonly stride: number;
  readonly x: number;
  readonly y: number;
}

/** Grow-only scratch buffers: one frame's intermediate rows, reused by the next frame. */
let horizontalScratch = new Float32Array(0);

function scratchRows(length: number): Float32Array {
  if (horizontalScratch.length < length) horizontalScratch = new Float32Array(length);
  return horizontalScratch;
}

/** The source rows the vertical taps read: the first and how many. */
function rowSpan(yt: AxisTaps, dstHeight: number): { first: number; rows: number } {
  const first = yt.start[0];
  return { first, rows: yt.start[dstHeight - 1] + yt.count[dstHeight - 1] - first };
}

const relativeCache = new WeakMap<AxisTaps, { first: number; starts: Int32Array }>();

/** The vertical taps' first rows counted from row `first` (the first row the pass reads). */
function relativeStarts(yt: AxisTaps, first: number): Int32Array {
  const cached = relativeCache.get(yt);
  if (cached !== undefined && cached.first === first) return cached.starts;
  const starts = yt.start.map((s) => s - first);
  relativeCache.set(yt, { first, starts });
  return starts;
}

/** Horizontal pass of a generic interleaved 8-bit image (any channel count). */
function horizontalBytes(
  src: Uint8Array,
  srcWidth: number,
  channels: number,
  rowFirst: number,
  rows: number,
  xt: AxisTaps,
  dstWidth: number,
  out: Float32Array,
): void {
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
        out[outRow + x * channels + c] = acc;
      }
    }
  }
}

/** Horizontal pass of a single-channel float image. */
function horizontalFloats(
  src: Float32Array,
  srcWidth: number,
  rowFirst: number,
  rows: number,
  xt: AxisTaps,
  dstWidth: number,
  out: Float32Array,
): void {
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
      out[outRow + x] = acc;
    }
  }
}

/**
 * Vertical pass for output row `y`: the weighted sum of the horizontal rows its taps name,
 * accumulated in float32 (the element type of `out`) tap by tap, written at `out[outRow ..]`.
 */
function verticalRow(
  horizontal: Float32Array,
  yt: AxisTaps,
  rowFirst: number,
  rowLength: number,
  y: number,
  out: Float32Array,
  outRow: number,
): void {
  const s = yt.start[y] - rowFirst;
  const n = yt.count[y];
  const wBase = y * yt.maxTaps;
  // The first tap assigns (0 + w*h rounds as w*h does), so `out` needs no clearing.
  let w = yt.weights[wBase];
  let inRow = s * rowLength;
  for (let i = 0; i < rowLength; i++) out[outRow + i] = w * horizontal[inRow + i];
  for (let k = 1; k < n; k++) {
    w = yt.weights[wBase + k];
    inRow = (s + k) * rowLength;
    for (let i = 0; i < rowLength; i++) out[outRow + i] += w * horizontal[inRow + i];
  }
}

function vertical(
  horizontal: Float32Array,
  yt: AxisTaps,
  rowFirst: number,
  rowLength: number,
  dstHeight: number,
  out: Float32Array,
  stride: number,
  origin: number,
): void {
  for (let y = 0; y < dstHeight; y++)
    verticalRow(horizontal, yt, rowFirst, rowLength, y, out, origin + y * stride);
}

/**
 * Resamples an interleaved 8-bit image (`channels` values a pixel) region into `dstWidth x
 * dstHeight x channels` floats. With `out`, writes there (from index 0) instead of a new buffer.
 */
export function resampleBytes(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  region: Region,
  dstWidth: number,
  dstHeight: number,
  out?: Float32Array,
): Float32Array {
  const xt = axisTaps(srcWidth, region.x, region.width, dstWidth);
  const yt = axisTaps(srcHeight, region.y, region.height, dstHeight);
  const { first, rows } = rowSpan(yt, dstHeight);
  const rowLength = dstWidth * channels;
  const target = out ?? new Float32Array(rowLength * dstHeight);
  if (channels === 3) {
    // RGB: the SIMD kernels (the same arithmetic, four rows at a time), converting by nothing.
    resampleRgbConverted(src, srcWidth, srcHeight, region, dstWidth, dstHeight, IDENTITY, target, 0, "nhwc");
    return target;
  }
  const horizontal = scratchRows(rows * rowLength);
  horizontalBytes(src, srcWidth, channels, first, rows, xt, dstWidth, horizontal);
  vertical(horizontal, yt, first, rowLength, dstHeight, target, rowLength, 0);
  return target;
}

/** RGB as it is: each channel times 1, the others times 0 (exact zeros), scale 1, bias 0. */
const IDENTITY: ColourTransform = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]);

/**
 * An interleaved 8-bit RGB image region resampled to `dstWidth x dstHeight` and each pixel
 * converted by `colour`, written into `out` at `offset` as three planes ("nchw") or interleaved
 * ("nhwc"): preprocessing of an RGB frame in one call of the SIMD kernels, with no intermediate
 * RGB image. The values are those of resampleBytes followed by the colour conversion, within
 * float32 rounding.
 */
export function resampleRgbConverted(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  region: Region,
  dstWidth: number,
  dstHeight: number,
  colour: ColourTransform,
  out: Float32Array,
  offset: number,
  layout: "nchw" | "nhwc",
): void {
  const xt = axisTaps(srcWidth, region.x, region.width, dstWidth);
  const yt = axisTaps(srcHeight, region.y, region.height, dstHeight);
  const { first, rows } = rowSpan(yt, dstHeight);
  simdResampleRgb(
    src,
    srcWidth,
    first,
    rows,
    xt,
    yt,
    relativeStarts(yt, first),
    dstWidth,
    dstHeight,
    colour,
    out,
    offset,
    layout,
  );
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
  const { first, rows } = rowSpan(yt, dstHeight);
  const horizontal = scratchRows(rows * dstWidth);
  horizontalFloats(src, srcWidth, first, rows, xt, dstWidth, horizontal);
  const out = into?.data ?? new Float32Array(dstWidth * dstHeight);
  const stride = into?.stride ?? dstWidth;
  const origin = into === undefined ? 0 : into.y * into.stride + into.x;
  vertical(horizontal, yt, first, dstWidth, dstHeight, out, stride, origin);
  return out;
}

/**
 * An axis whose outputs each read at most two source positions with non-zero weight (every
 * upscale: bilinear): the first position and the two weights (the second 0 where there is one).
 * Zero-weight taps add exact zeros in the general loops, so leaving them out changes no result.
 */
interface TwoTaps {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
}

const twoTapCache = new WeakMap<AxisTaps, TwoTaps | null>();

function twoTaps(taps: AxisTaps, srcSize: number): TwoTaps | undefined {
  const cached = twoTapCache.get(taps);
  if (cached !== undefined) return cached ?? undefined;
  const n = taps.start.length;
  const first = new Int32Array(n);
  const second = new Int32Array(n);
  const w0 = new Float64Array(n);
  const w1 = new Float64Array(n);
  let fits = true;
  for (let i = 0; i < n && fits; i++) {
    const used: number[] = [];
    for (let k = 0; k < taps.count[i]; k++) if (taps.weights[i * taps.maxTaps + k] !== 0) used.push(k);
    if (used.length === 0) used.push(0);
    if (used.length > 2) fits = false;
    else {
      first[i] = taps.start[i] + used[0];
      w0[i] = taps.weights[i * taps.maxTaps + used[0]];
      // A lone tap reads its own position again with weight 0, never past the source.
      second[i] = used.length === 2 ? taps.start[i] + used[1] : Math.min(first[i], srcSize - 1);
      w1[i] = used.length === 2 ? taps.weights[i * taps.maxTaps + used[1]] : 0;
    }
  }
  const result = fits ? { first, second, w0, w1 } : undefined;
  twoTapCache.set(taps, result ?? null);
  return result;
}

/** Quantises a float32 value in [0, 1] to a level: round(v * 255), clamped, NaN to 0. */
function level(value: number): number {
  const v = value * 255 + 0.5;
  return v >= 255 ? 255 : v > 0 ? v | 0 : 0;
}

/**
 * Resamples a single-channel float image region (a mask in [0, 1]) straight to 8-bit levels,
 * `round(v * 255)` clamped to 0..255 (NaN to 0), written into `into` (a mono8 frame) at the
 * placement's corner: the mask image and the overlay's colour index in one pass, with no
 * frame-sized float image in between. Resampling with `resampleFloats` and quantising gives the
 * same levels, or one off where the kernels' float32 rounding crosses a rounding boundary.
 */
export function resampleFloatsToLevels(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  region: Region,
  dstWidth: number,
  dstHeight: number,
  into: { readonly data: Uint8Array; readonly stride: number; readonly x: number; readonly y: number },
): void {
  const xt = axisTaps(srcWidth, region.x, region.width, dstWidth);
  const yt = axisTaps(srcHeight, region.y, region.height, dstHeight);
  const x2 = twoTaps(xt, srcWidth);
  const y2 = twoTaps(yt, srcHeight);
  if (x2 !== undefined && y2 !== undefined) {
    bilinearToLevels(src, srcWidth, x2, y2, dstWidth, dstHeight, into);
    return;
  }
  const { first, rows } = rowSpan(yt, dstHeight);
  const horizontal = scratchRows(rows * dstWidth + dstWidth);
  horizontalFloats(src, srcWidth, first, rows, xt, dstWidth, horizontal);
  // One float32 output row after the horizontal rows, reused for every output row.
  const row = horizontal.subarray(rows * dstWidth, rows * dstWidth + dstWidth);
  const out = into.data;
  for (let y = 0; y < dstHeight; y++) {
    verticalRow(horizontal, yt, first, dstWidth, y, row, 0);
    let o = (into.y + y) * into.stride + into.x;
    for (let i = 0; i < dstWidth; i++, o++) out[o] = level(row[i]);
  }
}

/**
 * resampleFloatsToLevels for two taps per axis, in the SIMD kernels: the horizontal pass of every
 * source row the vertical taps read, then per output row the two-row blend, quantised; float32
 * throughout, straight-line arithmetic per pixel, no tap loops.
 */
function bilinearToLevels(
  src: Float32Array,
  srcWidth: number,
  xt: TwoTaps,
  yt: TwoTaps,
  dstWidth: number,
  dstHeight: number,
  into: { readonly data: Uint8Array; readonly stride: number; readonly x: number; readonly y: number },
): void {
  const rows = verticalRows(yt);
  simdBilinearLevels(
    src,
    srcWidth,
    rows.first,
    rows.count,
    xt,
    rows.firstRelative,
    rows.secondRelative,
    yt,
    dstWidth,
    dstHeight,
    into.data,
    into.stride,
    into.y * into.stride + into.x,
  );
}

interface VerticalRows {
  readonly first: number;
  readonly count: number;
  readonly firstRelative: Int32Array;
  readonly secondRelative: Int32Array;
}

const verticalRowsCache = new WeakMap<TwoTaps, VerticalRows>();

/** The source rows two-tap vertical taps read, and each tap's row counted from the first. */
function verticalRows(yt: TwoTaps): VerticalRows {
  const cached = verticalRowsCache.get(yt);
  if (cached !== undefined) return cached;
  let first = Infinity;
  let last = -1;
  for (let y = 0; y < yt.first.length; y++) {
    first = Math.min(first, yt.first[y], yt.second[y]);
    last = Math.max(last, yt.first[y], yt.second[y]);
  }
  const rows = {
    first,
    count: last - first + 1,
    firstRelative: yt.first.map((r) => r - first),
    secondRelative: yt.second.map((r) => r - first),
  };
  verticalRowsCache.set(yt, rows);
  return rows;
}
