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
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, mask.data[i])) * 255);
  return out;
}

/** Blends a colour-mapped mask (at the frame's size) over the frame. */
export function renderOverlay(frame: RgbFrame, mask: FloatImage, options: OverlayOptions): RgbFrame {
  assertRgbFrame(frame);
  if (mask.width !== frame.width || mask.height !== frame.height) {
    throw new Error(
      `overlay: mask is ${mask.width}x${mask.height} but the frame is ${frame.width}x${frame.height}`,
    );
  }
  const { opacity } = options;
  if (!(opacity >= 0 && opacity <= 1)) throw new Error(`overlay: opacity must be in [0, 1], got ${opacity}`);
  const table = colorTable(options.colorMap);
  const out = new Uint8Array(frame.data.length);
  const keep = 1 - opacity;
  for (let p = 0; p < mask.data.length; p++) {
    const level = Math.round(Math.min(1, Math.max(0, mask.data[p])) * 255) * 3;
    for (let c = 0; c < 3; c++) {
      out[p * 3 + c] = Math.round(frame.data[p * 3 + c] * keep + table[level + c] * opacity);
    }
  }
  return { width: frame.width, height: frame.height, data: out };
}
