import { ColorMap, colorTable } from "./colormap";
import { assertRgbFrame, FloatImage, RgbFrame } from "./frame";

export type { ColorMap } from "./colormap";

export interface OverlayOptions {
  readonly colorMap: ColorMap;
  /** Weight of the heat map in the blend, 0 (camera only) to 1 (heat map only). */
  readonly opacity: number;
}

/** A mask in [0, 1] as 8-bit gray (mono8), rounded, values outside [0, 1] clamped. */
export function maskToMono8(mask: FloatImage): Uint8Array {
  const out = new Uint8Array(mask.width * mask.height);
  const data = mask.data;
  for (let i = 0; i < out.length; i++) {
    const v = data[i] * 255 + 0.5;
    // Truncated in integer arithmetic (a double stored into a Uint8Array is slower); NaN becomes 0.
    out[i] = v >= 255 ? 255 : v > 0 ? v | 0 : 0;
  }
  return out;
}

/** Blends a colour-mapped mask (at the frame's size) over the frame. */
export function renderOverlay(frame: RgbFrame, mask: FloatImage, options: OverlayOptions): RgbFrame {
  if (mask.width !== frame.width || mask.height !== frame.height) {
    throw new Error(
      `overlay: mask is ${mask.width}x${mask.height} but the frame is ${frame.width}x${frame.height}`,
    );
  }
  return renderOverlayFromMono8(frame, maskToMono8(mask), options);
}

/**
 * The same from a mask already in mono8, which the node publishes anyway. Fixed-point blending
 * (weights in 1/256): out = (camera * (256 - w) + colour * w + 128) >> 8 per channel.
 */
export function renderOverlayFromMono8(
  frame: RgbFrame,
  levels: Uint8Array,
  options: OverlayOptions,
): RgbFrame {
  assertRgbFrame(frame);
  if (levels.length !== frame.width * frame.height) {
    throw new Error(
      `overlay: mask has ${levels.length} pixels but the frame is ${frame.width}x${frame.height}`,
    );
  }
  const { opacity } = options;
  if (!(opacity >= 0 && opacity <= 1)) throw new Error(`overlay: opacity must be in [0, 1], got ${opacity}`);
  const table = blendTable(options.colorMap, opacity);
  const src = frame.data;
  const out = new Uint8Array(src.length);
  // Four pixels (three 32-bit words) at a time where the frame's bytes can be read as words.
  const words = LITTLE_ENDIAN && src.byteOffset % 4 === 0 ? levels.length >> 2 : 0;
  if (words > 0) blendWords(src, levels, out, words * 4, table);
  blendBytes(src, levels, out, words * 4, table);
  return { width: frame.width, height: frame.height, data: out };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Pixels `from ..` one channel at a time. */
function blendBytes(src: Uint8Array, levels: Uint8Array, out: Uint8Array, from: number, t: BlendTable): void {
  const { keep, r, g, b } = t;
  for (let p = from, i = from * 3; p < levels.length; p++, i += 3) {
    const level = levels[p];
    out[i] = (src[i] * keep + r[level]) >> 8;
    out[i + 1] = (src[i + 1] * keep + g[level]) >> 8;
    out[i + 2] = (src[i + 2] * keep + b[level]) >> 8;
  }
}

/**
 * Pixels `0 .. pixels` (a multiple of 4) two channels per multiply: the bytes of a 32-bit word
 * split into two 16-bit lanes (bytes 0 and 2, bytes 1 and 3), each lane's camera * keep + colour
 * term at most 255 * 256 + 128, so lanes never carry into each other. Four RGB pixels are three
 * words: [r0 g0 b0 r1] [g1 b1 r2 g2] [b2 r3 g3 b3]; the colour terms of each lane pair come from
 * tables with the second lane's term already shifted up. Bit-identical to blendBytes.
 */
function blendWords(
  src: Uint8Array,
  levels: Uint8Array,
  out: Uint8Array,
  pixels: number,
  t: BlendTable,
): void {
  const { keep, g, b, rb, rHigh, gHigh } = t;
  const s32 = new Uint32Array(src.buffer, src.byteOffset, (pixels * 3) >> 2);
  const o32 = new Uint32Array(out.buffer, out.byteOffset, (pixels * 3) >> 2);
  const EVEN = 0x00ff00ff;
  const ODD = 0xff00ff00 | 0;
  for (let p = 0, w = 0; p < pixels; p += 4, w += 3) {
    const l0 = levels[p];
    const l1 = levels[p + 1];
    const l2 = levels[p + 2];
    const l3 = levels[p + 3];
    const a = s32[w];
    const c = s32[w + 1];
    const d = s32[w + 2];
    o32[w] =
      (((Math.imul(a & EVEN, keep) + rb[l0]) >>> 8) & EVEN) |
      ((Math.imul((a >>> 8) & EVEN, keep) + (g[l0] | rHigh[l1])) & ODD);
    o32[w + 1] =
      (((Math.imul(c & EVEN, keep) + (g[l1] | rHigh[l2])) >>> 8) & EVEN) |
      ((Math.imul((c >>> 8) & EVEN, keep) + (b[l1] | gHigh[l2])) & ODD);
    o32[w + 2] =
      (((Math.imul(d & EVEN, keep) + (b[l2] | gHigh[l3])) >>> 8) & EVEN) |
      ((Math.imul((d >>> 8) & EVEN, keep) + rb[l3]) & ODD);
  }
}

/** Colour times opacity in 1/256 steps plus the rounding half, per level: per channel and packed. */
interface BlendTable {
  readonly key: string;
  readonly keep: number;
  readonly r: Int32Array;
  readonly g: Int32Array;
  readonly b: Int32Array;
  /** r | b << 16 */
  readonly rb: Int32Array;
  readonly rHigh: Int32Array;
  readonly gHigh: Int32Array;
}

let lastTable: BlendTable | undefined;

function blendTable(map: ColorMap, opacity: number): BlendTable {
  const key = `${map}:${opacity}`;
  if (lastTable?.key === key) return lastTable;
  const colors = colorTable(map);
  const weight = Math.round(opacity * 256);
  const channel = (c: number) => Int32Array.from({ length: 256 }, (_, i) => colors[i * 3 + c] * weight + 128);
  const r = channel(0);
  const g = channel(1);
  const b = channel(2);
  lastTable = {
    key,
    keep: 256 - weight,
    r,
    g,
    b,
    rb: r.map((v, i) => v | (b[i] << 16)),
    rHigh: r.map((v) => v << 16),
    gHigh: g.map((v) => v << 16),
  };
  return lastTable;
}
