import { ColorMap, colorTable } from "./colormap";
import { assertFrame, type CameraFrame, FloatImage, RgbFrame, toRgbFrame } from "./frame";
import { simdBlend } from "./simd/kernels";

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
export function renderOverlay(frame: CameraFrame, mask: FloatImage, options: OverlayOptions): RgbFrame {
  if (mask.width !== frame.width || mask.height !== frame.height) {
    throw new Error(
      `overlay: mask is ${mask.width}x${mask.height} but the frame is ${frame.width}x${frame.height}`,
    );
  }
  return renderOverlayFromMono8(frame, maskToMono8(mask), options);
}

/**
 * The same from a mask already in mono8, which the node publishes anyway. Fixed-point blending
 * (weights in 1/256): out = (camera * (256 - w) + colour * w + 128) >> 8 per channel, exact in
 * 16-bit lanes, so the SIMD kernel gives the bytes of the straightforward loop.
 */
export function renderOverlayFromMono8(
  camera: CameraFrame,
  levels: Uint8Array,
  options: OverlayOptions,
  /** Where to write the overlay (the frame's size), instead of a new buffer. */
  into?: Uint8Array,
): RgbFrame {
  assertFrame(camera);
  // The heat map is drawn in colour: a grey frame is widened here, where a picture needs it.
  const frame = toRgbFrame(camera);
  if (into !== undefined && into.length !== frame.data.length)
    throw new Error(`overlay: expected a target of ${frame.data.length} bytes, got ${into.length}`);
  if (levels.length !== frame.width * frame.height) {
    throw new Error(
      `overlay: mask has ${levels.length} pixels but the frame is ${frame.width}x${frame.height}`,
    );
  }
  const { opacity } = options;
  if (!(opacity >= 0 && opacity <= 1)) throw new Error(`overlay: opacity must be in [0, 1], got ${opacity}`);
  const table = blendTable(options.colorMap, opacity);
  // Sixteen pixels per step in the SIMD kernels, with the same integer arithmetic.
  const out = simdBlend(frame.data, levels, table.terms, table.keep, into);
  return { width: frame.width, height: frame.height, data: out };
}

/** Colour times opacity in 1/256 steps plus the rounding half, per level and channel. */
interface BlendTable {
  readonly key: string;
  /** 256 - opacity * 256: the camera's weight. */
  readonly keep: number;
  /** 256 x 3: colour * weight + 128 of level i's channel c at 3i + c (at most 65408). */
  readonly terms: Int32Array;
}

let lastTable: BlendTable | undefined;

function blendTable(map: ColorMap, opacity: number): BlendTable {
  const key = `${map}:${opacity}`;
  if (lastTable?.key === key) return lastTable;
  const colors = colorTable(map);
  const weight = Math.round(opacity * 256);
  lastTable = { key, keep: 256 - weight, terms: Int32Array.from(colors, (c) => c * weight + 128) };
  return lastTable;
}
