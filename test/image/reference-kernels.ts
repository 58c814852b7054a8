/**
 * The image kernels as they were before the fast typed-array kernels (src/image/kernels.ts), kept
 * unchanged as the reference the new ones are compared against on real frames. Not used by the
 * package.
 */
import { assertFrame, FloatImage, RgbFrame } from "../../src/image/frame";
import { ColorMap, colorTable } from "../../src/image/colormap";
import { cropRectangle, PreprocessSpec } from "../../src/image/preprocess";

interface AxisTaps {
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
function axisTaps(srcSize: number, srcStart: number, srcLength: number, dstLength: number): AxisTaps {
  return computeTaps(srcSize, srcStart, srcLength, dstLength);
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

interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Resamples an interleaved 8-bit image (`channels` values a pixel) region into a float buffer of
 * `dstWidth x dstHeight x channels`.
 */
function resampleBytes(
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
interface Placement {
  readonly data: Float32Array;
  readonly stride: number;
  readonly x: number;
  readonly y: number;
}

/**
 * The same for a single-channel float image, such as a mask. With `into`, rows are written
 * straight into a larger image (a camera frame) instead of a new buffer.
 */
function resampleFloats(
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
export function referencePreprocess(
  frame: RgbFrame,
  spec: PreprocessSpec,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  assertFrame(frame);
  const { width, height } = spec;
  const plane = width * height;
  const target = out ?? new Float32Array(plane * 3);
  if (target.length < offset + plane * 3) {
    throw new Error(`preprocess: output buffer holds ${target.length} values, needs ${offset + plane * 3}`);
  }
  const rgb = resampleBytes(
    frame.data,
    frame.width,
    frame.height,
    3,
    cropRectangle(spec, frame.width, frame.height),
    width,
    height,
  );
  const { scale, bias } = spec;
  const nchw = spec.layout === "nchw";
  for (let p = 0; p < plane; p++) {
    const r = rgb[p * 3];
    const g = rgb[p * 3 + 1];
    const b = rgb[p * 3 + 2];
    let c0 = r;
    let c1 = g;
    let c2 = b;
    if (spec.colorSpace === "bgr") {
      c0 = b;
      c2 = r;
    } else if (spec.colorSpace === "yuv") {
      // BT.601 full range (JPEG's YCbCr).
      c0 = 0.299 * r + 0.587 * g + 0.114 * b;
      c1 = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
      c2 = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
    }
    if (nchw) {
      target[offset + p] = c0 * scale + bias;
      target[offset + plane + p] = c1 * scale + bias;
      target[offset + 2 * plane + p] = c2 * scale + bias;
    } else {
      target[offset + p * 3] = c0 * scale + bias;
      target[offset + p * 3 + 1] = c1 * scale + bias;
      target[offset + p * 3 + 2] = c2 * scale + bias;
    }
  }
  return target;
}

/**
 * Maps a mask at the model's resolution back onto the camera frame: the inverse of crop and
 * resize. Pixels outside the crop were never seen by the model and get 0.
 */
export function referenceMapMaskToFrame(
  mask: FloatImage,
  spec: PreprocessSpec,
  frameWidth: number,
  frameHeight: number,
): FloatImage {
  if (mask.data.length !== mask.width * mask.height) {
    throw new Error(`mapMaskToFrame: mask of ${mask.width}x${mask.height} has ${mask.data.length} values`);
  }
  const rect = cropRectangle(spec, frameWidth, frameHeight);
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(frameWidth, Math.ceil(rect.x + rect.width));
  const y1 = Math.min(frameHeight, Math.ceil(rect.y + rect.height));
  const out = new Float32Array(frameWidth * frameHeight);
  if (x1 <= x0 || y1 <= y0) return { width: frameWidth, height: frameHeight, data: out };
  // The crop in mask coordinates, so that resampling lands exactly on frame pixels x0..x1, y0..y1.
  const sx = mask.width / rect.width;
  const sy = mask.height / rect.height;
  const region = {
    x: (x0 - rect.x) * sx,
    y: (y0 - rect.y) * sy,
    width: (x1 - x0) * sx,
    height: (y1 - y0) * sy,
  };
  resampleFloats(mask.data, mask.width, mask.height, region, x1 - x0, y1 - y0, {
    data: out,
    stride: frameWidth,
    x: x0,
    y: y0,
  });
  return { width: frameWidth, height: frameHeight, data: out };
}
export function referenceMaskToMono8(mask: FloatImage): Uint8Array {
  const out = new Uint8Array(mask.width * mask.height);
  const data = mask.data;
  for (let i = 0; i < out.length; i++) {
    const v = data[i] * 255 + 0.5;
    // Uint8Array stores truncate; NaN becomes 0.
    out[i] = v >= 255 ? 255 : v > 0 ? v : 0;
  }
  return out;
}
export function referenceOverlayFromMono8(
  frame: RgbFrame,
  levels: Uint8Array,
  options: { colorMap: ColorMap; opacity: number },
): RgbFrame {
  assertFrame(frame);
  if (levels.length !== frame.width * frame.height) {
    throw new Error(
      `overlay: mask has ${levels.length} pixels but the frame is ${frame.width}x${frame.height}`,
    );
  }
  const { opacity } = options;
  if (!(opacity >= 0 && opacity <= 1)) throw new Error(`overlay: opacity must be in [0, 1], got ${opacity}`);
  const colors = blendTable(options.colorMap, opacity);
  const keep = 256 - Math.round(opacity * 256);
  const src = frame.data;
  const out = new Uint8Array(src.length);
  for (let p = 0, i = 0; p < levels.length; p++, i += 3) {
    const c = levels[p] * 3;
    out[i] = (src[i] * keep + colors[c]) >> 8;
    out[i + 1] = (src[i + 1] * keep + colors[c + 1]) >> 8;
    out[i + 2] = (src[i + 2] * keep + colors[c + 2]) >> 8;
  }
  return { width: frame.width, height: frame.height, data: out };
}

let lastTable: { key: string; table: Int32Array } | undefined;

/** Colour times opacity in 1/256 steps, plus the rounding half, per level and channel. */
function blendTable(map: ColorMap, opacity: number): Int32Array {
  const key = `${map}:${opacity}`;
  if (lastTable?.key === key) return lastTable.table;
  const colors = colorTable(map);
  const weight = Math.round(opacity * 256);
  const table = new Int32Array(256 * 3);
  for (let i = 0; i < table.length; i++) table[i] = colors[i] * weight + 128;
  lastTable = { key, table };
  return table;
}
