/**
 * The WebAssembly SIMD kernels (kernels.wat) behind a typed-array interface: each call copies its
 * inputs into the module's memory, runs one kernel and copies the result out. The module is small
 * and compiled synchronously once per thread (each worker has its own instance and memory), so no
 * caller waits for a promise. Node 20's V8 always has WebAssembly SIMD, so there is no second,
 * untested JavaScript path for the same cases; the JavaScript kernels in resize.ts and overlay.ts
 * serve the cases these do not cover (other channel counts, more than two taps when mapping back).
 *
 * The copies cost a few tens of microseconds per frame; the kernels save milliseconds.
 */
import { KERNELS_WASM_BASE64 } from "./kernels-wasm";

/** The parts of the WebAssembly API used here (the project's `lib` setting has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  readonly memory: WasmMemory;
  hpassRgb(
    src: number,
    stride: number,
    rows: number,
    pair: number,
    starts: number,
    counts: number,
    weights: number,
    maxTaps: number,
    dstW: number,
    h: number,
    plane: number,
  ): void;
  vpassColour(
    h: number,
    plane: number,
    dstW: number,
    starts: number,
    counts: number,
    weights: number,
    maxTaps: number,
    dstH: number,
    colour: number,
    out: number,
    pixelStep: number,
    channelStride: number,
  ): void;
  hpassBilinear(
    src: number,
    srcW: number,
    rows: number,
    xa: number,
    xb: number,
    xw0: number,
    xw1: number,
    dstW: number,
    h: number,
  ): void;
  bilinearLevels(
    h: number,
    dstW: number,
    dstH: number,
    ya: number,
    yb: number,
    yw0: number,
    yw1: number,
    out: number,
    stride: number,
  ): void;
  blend(src: number, levels: number, out: number, pixels: number, keep: number): void;
}

let kernels: KernelExports | undefined;

function instance(): KernelExports {
  if (kernels === undefined) {
    const module = new wasm.Module(Buffer.from(KERNELS_WASM_BASE64, "base64"));
    kernels = new wasm.Instance(module, {}).exports as unknown as KernelExports;
  }
  return kernels;
}

/**
 * The overlay's colour-term table lives at the start of memory: per level ten 16-byte vectors,
 * the level's three terms at the u16 lanes of each placement the blend ORs together (kernels.wat).
 */
const LUT_BYTES = 256 * 160;

/** Per table entry: the first u16 lane (of 24, three vectors) its r, g, b take, and how many. */
const PLACEMENTS: readonly (readonly [number, number, number])[] = [
  // [first lane in the group of 24, first channel, channels]
  [0, 0, 3],
  [3, 0, 3],
  [6, 0, 2],
  [8, 2, 1],
  [9, 0, 3],
  [12, 0, 3],
  [15, 0, 1],
  [16, 1, 2],
  [18, 0, 3],
  [21, 0, 3],
];

/**
 * Hands out 16-byte aligned blocks of the module's memory for one call, growing it first; the
 * offsets stay valid until the next call's layout. Views must be taken after `commit`.
 */
class Layout {
  #next = LUT_BYTES;

  take(bytes: number): number {
    const at = this.#next;
    this.#next += (bytes + 15) & ~15;
    return at;
  }

  /** Grows the memory to hold every block taken, and returns the kernels with their memory. */
  commit(): KernelExports {
    const k = instance();
    const have = k.memory.buffer.byteLength;
    if (this.#next > have) k.memory.grow(Math.ceil((this.#next - have) / 65536));
    return k;
  }
}

/** Copies `data` into memory at `at` (byte offset) as its own element type. */
function put(memory: WasmMemory, at: number, data: Int32Array | Float64Array | Float32Array | Uint8Array) {
  new Uint8Array(memory.buffer, at, data.byteLength).set(
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  );
}

const singles = new WeakMap<Float64Array, Float32Array>();

/**
 * A double array's values as float32, the kernels' arithmetic (kept per array: taps and colour
 * transforms are cached by their makers, so this converts once per camera size and model).
 */
function asFloat32(values: Float64Array): Float32Array {
  let single = singles.get(values);
  if (single === undefined) {
    single = Float32Array.from(values);
    singles.set(values, single);
  }
  return single;
}

/** One axis's taps as the kernels read them: start, count, and `maxTaps` double weights. */
export interface KernelTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float64Array;
  readonly maxTaps: number;
}

/**
 * A colour conversion applied to each resampled RGB pixel, as preprocess.ts defines it: output
 * channel c is ((m[4c] r + m[4c+1] g) + m[4c+2] b) + m[4c+3], times scale plus bias (the kernels
 * compute it in float32, the JavaScript loops in doubles).
 * 14 doubles: the 3 x 4 matrix row by row, then scale and bias.
 */
export type ColourTransform = Float64Array;

/**
 * The separable resampling of resize.ts for interleaved 8-bit RGB, and the colour conversion of
 * each finished pixel: source rows `rowFirst .. rowFirst + rows` of `src` (row stride `width *
 * 3`), horizontal taps `xt` to `dstW`, vertical taps `yt` (starts relative to `rowFirst`) to
 * `dstH` rows, converted by `colour`, written to `out` at `offset` as three planes ("nchw") or
 * interleaved ("nhwc"). The reference preprocessing (test/image/reference-kernels.ts) in float32
 * arithmetic: within float32 rounding of its values (kernels.wat).
 */
export function simdResampleRgb(
  src: Uint8Array,
  width: number,
  rowFirst: number,
  rows: number,
  xt: KernelTaps,
  yt: KernelTaps,
  yStartsRelative: Int32Array,
  dstW: number,
  dstH: number,
  colour: ColourTransform,
  out: Float32Array,
  offset: number,
  layout: "nchw" | "nhwc",
): void {
  const stride = width * 3;
  // One plane of a horizontal row: dstW floats, padded to whole four-pixel steps.
  const plane = Math.ceil(dstW / 4) * 16;
  const pixels = dstW * dstH;
  // Planar output: each plane with room for the three pixels a row's last step may write past it.
  const planeOut = (pixels + 4) * 4;
  const blocks = new Layout();
  const xStart = blocks.take(xt.start.byteLength);
  const xCount = blocks.take(xt.count.byteLength);
  const xWeights = blocks.take(xt.weights.length * 4);
  const yStart = blocks.take(yStartsRelative.byteLength);
  const yCount = blocks.take(yt.count.byteLength);
  const yWeights = blocks.take(yt.weights.length * 4);
  const colourAt = blocks.take(colour.length * 4);
  // The widening step reads eight bytes at a time: room past the last row.
  const srcAt = blocks.take(rows * stride + 16);
  // Each byte column as four floats (one per row of a group).
  const pair = blocks.take(Math.ceil(stride / 8) * 128);
  // Up to three spare rows after the last (a group of four reads the last row again).
  const h = blocks.take((rows + 3) * plane * 3);
  const outAt = blocks.take(layout === "nchw" ? planeOut * 3 : (pixels + 4) * 12);
  const k = blocks.commit();
  const memory = k.memory;
  put(memory, xStart, xt.start);
  put(memory, xCount, xt.count);
  put(memory, xWeights, asFloat32(xt.weights));
  put(memory, yStart, yStartsRelative);
  put(memory, yCount, yt.count);
  put(memory, yWeights, asFloat32(yt.weights));
  put(memory, colourAt, asFloat32(colour));
  put(memory, srcAt, src.subarray(rowFirst * stride, (rowFirst + rows) * stride));
  k.hpassRgb(srcAt, stride, rows, pair, xStart, xCount, xWeights, xt.maxTaps, dstW, h, plane);
  if (layout === "nchw") {
    k.vpassColour(h, plane, dstW, yStart, yCount, yWeights, yt.maxTaps, dstH, colourAt, outAt, 4, planeOut);
    for (let c = 0; c < 3; c++)
      out.set(new Float32Array(memory.buffer, outAt + c * planeOut, pixels), offset + c * pixels);
  } else {
    k.vpassColour(h, plane, dstW, yStart, yCount, yWeights, yt.maxTaps, dstH, colourAt, outAt, 12, 4);
    out.set(new Float32Array(memory.buffer, outAt, pixels * 3), offset);
  }
}

/** The two-tap form of one axis (see resize.ts): first and second source index and weights. */
export interface KernelTwoTaps {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
}

/**
 * bilinearToLevels of resize.ts: mask rows `rowFirst .. rowFirst + rows` of `src` (`srcW` wide)
 * through two taps per axis to `dstW x dstH` 8-bit levels, written into `into` (row stride
 * `stride`) at `at`. `yFirst`/`ySecond` are row indices relative to `rowFirst`.
 */
export function simdBilinearLevels(
  src: Float32Array,
  srcW: number,
  rowFirst: number,
  rows: number,
  xt: KernelTwoTaps,
  yFirst: Int32Array,
  ySecond: Int32Array,
  yt: KernelTwoTaps,
  dstW: number,
  dstH: number,
  into: Uint8Array,
  stride: number,
  at: number,
): void {
  const layout = new Layout();
  const srcAt = layout.take(rows * srcW * 4);
  // Three entries past each x tap array: the horizontal pass takes four outputs a step.
  const xa = layout.take(dstW * 4 + 12);
  const xb = layout.take(dstW * 4 + 12);
  const xw0 = layout.take(dstW * 4 + 12);
  const xw1 = layout.take(dstW * 4 + 12);
  const ya = layout.take(dstH * 4);
  const yb = layout.take(dstH * 4);
  const yw0 = layout.take(dstH * 4);
  const yw1 = layout.take(dstH * 4);
  const h = layout.take(rows * dstW * 4 + 12);
  const outAt = layout.take(dstW * dstH);
  const k = layout.commit();
  const memory = k.memory;
  put(memory, srcAt, src.subarray(rowFirst * srcW, (rowFirst + rows) * srcW));
  put(memory, xa, xt.first);
  put(memory, xb, xt.second);
  put(memory, xw0, asFloat32(xt.w0));
  put(memory, xw1, asFloat32(xt.w1));
  // Valid indices for the spare outputs of a width that is not a multiple of four (their values
  // are overwritten by the next row's).
  new Int32Array(memory.buffer, xa + dstW * 4, 3).fill(0);
  new Int32Array(memory.buffer, xb + dstW * 4, 3).fill(0);
  put(memory, ya, yFirst);
  put(memory, yb, ySecond);
  put(memory, yw0, asFloat32(yt.w0));
  put(memory, yw1, asFloat32(yt.w1));
  k.hpassBilinear(srcAt, srcW, rows, xa, xb, xw0, xw1, dstW, h);
  k.bilinearLevels(h, dstW, dstH, ya, yb, yw0, yw1, outAt, dstW);
  const levels = new Uint8Array(memory.buffer, outAt, dstW * dstH);
  if (stride === dstW) into.set(levels, at);
  else for (let y = 0; y < dstH; y++) into.set(levels.subarray(y * dstW, (y + 1) * dstW), at + y * stride);
}

let lutKey: Int32Array | undefined;

/**
 * The overlay blend of overlay.ts: per pixel and channel (src * keep + term[level][c]) >> 8, with
 * `terms` the 256 x 3 colour terms (colour * weight + 128, each at most 65408). Returns `into`
 * (src-sized) filled, or a new buffer.
 */
export function simdBlend(
  src: Uint8Array,
  levels: Uint8Array,
  terms: Int32Array,
  keep: number,
  into?: Uint8Array,
): Uint8Array {
  const layout = new Layout();
  const srcAt = layout.take(src.length);
  const levelsAt = layout.take(levels.length);
  const outAt = layout.take(src.length);
  const k = layout.commit();
  const memory = k.memory;
  if (lutKey !== terms) {
    // Little-endian u16s (WebAssembly's byte order), whatever the host's; zeros around each.
    new Uint8Array(memory.buffer, 0, LUT_BYTES).fill(0);
    const lut = new DataView(memory.buffer, 0, LUT_BYTES);
    for (let i = 0; i < 256; i++) {
      PLACEMENTS.forEach(([lane, first, count], entry) => {
        // Lane `lane` of the group lies in entry's own vector at lane % 8.
        const at = i * 160 + entry * 16 + (lane % 8) * 2;
        for (let c = 0; c < count; c++) lut.setUint16(at + c * 2, terms[i * 3 + first + c], true);
      });
    }
    lutKey = terms;
  }
  put(memory, srcAt, src);
  put(memory, levelsAt, levels);
  k.blend(srcAt, levelsAt, outAt, levels.length, keep);
  const out = new Uint8Array(memory.buffer, outAt, src.length);
  if (into === undefined) return out.slice();
  into.set(out);
  return into;
}
