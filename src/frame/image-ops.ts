/**
 * The real image helpers behind the frame path's ImageOps port: preprocessing and mask mapping
 * from src/image/preprocess.ts, the overlay from src/image/overlay.ts.
 */
import { renderOverlayFromMono8 } from "../image/overlay";
import { mapMaskToMono8, preprocess } from "../image/preprocess";
import type { ImageOps } from "./model-port";

export const IMAGE_OPS: ImageOps = {
  preprocess,
  mapMaskToMono8,
  renderOverlay: renderOverlayFromMono8,
};
