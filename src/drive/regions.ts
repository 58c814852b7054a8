/**
 * The drive's ground truth (lane markings, and which line of the car's lane a marking is) carried
 * over to the model's input grid, for training with a prior on where the masks should lie. Each
 * input pixel covers a box of frame pixels (about 3.2 x 3.3 for PilotNet); the lines far ahead are
 * one or two frame pixels wide, so a bit is set when any frame pixel of the box has it, not by
 * majority, or the far road would lose its lines.
 */
import { cropRectangle, type PreprocessSpec } from "../image/preprocess";
import type { FrameTruth } from "./drive";
import { LANE_LINE } from "./render";

/** Bits of a region code: any lane marking or road edge, the left line, the right line of the car's lane. */
export const REGION_BIT = { lane: 1, left: 2, right: 4 } as const;

/**
 * A `spec.height x spec.width` map of REGION_BIT codes for one frame's truth (frames of
 * `frameWidth x frameHeight`), written into `into` when given.
 */
export function inputRegions(
  truth: Pick<FrameTruth, "laneMask" | "lineMask">,
  frameWidth: number,
  frameHeight: number,
  spec: PreprocessSpec,
  into: Uint8Array = new Uint8Array(spec.width * spec.height),
): Uint8Array {
  const plane = spec.width * spec.height;
  if (into.length !== plane)
    throw new Error(
      `inputRegions: into holds ${into.length} codes, expected ${spec.width}x${spec.height} = ${plane}`,
    );
  const frame = frameWidth * frameHeight;
  if (truth.laneMask.length !== frame || truth.lineMask.length !== frame)
    throw new Error(`inputRegions: truth masks must hold ${frameWidth}x${frameHeight} = ${frame} pixels`);
  const crop = cropRectangle(spec, frameWidth, frameHeight);
  const stepX = crop.width / spec.width;
  const stepY = crop.height / spec.height;
  // The box of frame columns under each input column, computed once.
  const x0 = new Int32Array(spec.width);
  const x1 = new Int32Array(spec.width);
  for (let ox = 0; ox < spec.width; ox++) {
    x0[ox] = Math.max(0, Math.floor(crop.x + ox * stepX));
    x1[ox] = Math.min(frameWidth, Math.max(x0[ox] + 1, Math.ceil(crop.x + (ox + 1) * stepX)));
  }
  for (let oy = 0; oy < spec.height; oy++) {
    const y0 = Math.max(0, Math.floor(crop.y + oy * stepY));
    const y1 = Math.min(frameHeight, Math.max(y0 + 1, Math.ceil(crop.y + (oy + 1) * stepY)));
    for (let ox = 0; ox < spec.width; ox++) {
      let code = 0;
      for (let y = y0; y < y1; y++) {
        const row = y * frameWidth;
        for (let x = x0[ox]; x < x1[ox]; x++) {
          if (truth.laneMask[row + x] === 0) continue;
          code |= REGION_BIT.lane;
          const line = truth.lineMask[row + x];
          if (line === LANE_LINE.left) code |= REGION_BIT.left;
          else if (line === LANE_LINE.right) code |= REGION_BIT.right;
        }
      }
      into[oy * spec.width + ox] = code;
    }
  }
  return into;
}
