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
 * (weights in 1/256) keeps this cheap enough to run on every camera frame.
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
