/**
 * The input the shipped PilotNet expects: a 200x66 YUV crop of a 640x480 frame from 3 rows below the
 * horizon (row 204; the horizon is at row 201) down to row 420, above the car's hood (row 439 and
 * below), the full width so curves stay in view. No sky: with it, a sixth of the masks' weight sat on
 * the horizon line (models/README.md). Values stay 0..255: the model normalises itself.
 * models/pilotnet.json carries the same spec, written by training/train.py from the export's meta.
 */
import type { PreprocessSpec } from "../image/preprocess";

export const PILOTNET_INPUT: PreprocessSpec = {
  crop: { x: 0, y: 0.425, width: 1, height: 0.45 },
  width: 200,
  height: 66,
  colorSpace: "yuv",
  layout: "nchw",
  scale: 1,
  bias: 0,
};

/** The frame size the model was trained on. */
export const PILOTNET_FRAME = { width: 640, height: 480 } as const;
