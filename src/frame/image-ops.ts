/**
 * The real image helpers behind the node's ImageOps port: preprocessing and mask mapping from
 * src/image/preprocess.ts, overlay and mono8 from src/image/overlay.ts.
 */
import { maskToMono8, renderOverlayFromMono8 } from "../image/overlay.js";
import { mapMaskToFrame, mapMaskToMono8, preprocess } from "../image/preprocess.js";
import type { ImageOps } from "./model-port.js";

export const IMAGE_OPS: ImageOps = {
  preprocess,
  mapMaskToFrame,
  renderOverlay: renderOverlayFromMono8,
  maskToMono8,
  mapMaskToMono8,
};
