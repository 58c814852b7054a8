import { assertFrame, type CameraFrame, FloatImage, frameChannels } from "./frame";
import {
  type ColourTransform,
  resampleBytes,
  resampleFloats,
  resampleFloatsToLevels,
  resampleRgbConverted,
} from "./resize";

export type ColorSpace = "rgb" | "bgr" | "yuv" | "grey";

/** The colour spaces a spec may name. */
export const COLOR_SPACES: readonly ColorSpace[] = ["rgb", "bgr", "yuv", "grey"];
export type Layout = "nchw" | "nhwc";

/** Region of interest as fractions of the camera frame, so one spec serves any frame size. */
export interface CropFractions {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** How a camera frame becomes the model's input tensor. */
export interface PreprocessSpec {
  readonly crop: CropFractions;
  /** The model's input width and height. */
  readonly width: number;
  readonly height: number;
  /**
   * `yuv` is BT.601 full range with U and V offset by 128 (values 0..255), as PilotNet uses. `grey`
   * feeds single-channel models: BT.601 luma, which is exactly the byte of a mono8 frame (R = G = B).
   */
  readonly colorSpace: ColorSpace;
  readonly layout: Layout;
  /** Each channel value (0..255 after colour conversion) becomes value * scale + bias. */
  readonly scale: number;
  readonly bias: number;
}

export const FULL_FRAME: CropFractions = { x: 0, y: 0, width: 1, height: 1 };

/** Checks a spec, with errors that name the field and the expected range. */
export function validatePreprocessSpec(spec: PreprocessSpec, what = "preprocess"): PreprocessSpec {
  const { crop } = spec;
  for (const key of ["x", "y", "width", "height"] as const) {
    if (typeof crop?.[key] !== "number" || !Number.isFinite(crop[key])) {
      throw new Error(`${what}.crop.${key}: expected a number in [0, 1], got ${String(crop?.[key])}`);
    }
  }
  if (
    crop.x < 0 ||
    crop.y < 0 ||
    crop.width <= 0 ||
    crop.height <= 0 ||
    crop.x + crop.width > 1 + 1e-9 ||
    crop.y + crop.height > 1 + 1e-9
  ) {
    throw new Error(
      `${what}.crop: expected a rectangle inside the frame (fractions in [0, 1]), got ${JSON.stringify(crop)}`,
    );
  }
  for (const key of ["width", "height"] as const) {
    if (!Number.isInteger(spec[key]) || spec[key] <= 0) {
      throw new Error(`${what}.${key}: expected a positive integer, got ${String(spec[key])}`);
    }
  }
  if (!COLOR_SPACES.includes(spec.colorSpace)) {
    throw new Error(
      `${what}.colorSpace: expected ${COLOR_SPACES.map((c) => JSON.stringify(c)).join(", ")}, got ${JSON.stringify(spec.colorSpace)}`,
    );
  }
  if (!["nchw", "nhwc"].includes(spec.layout)) {
    throw new Error(`${what}.layout: expected "nchw" or "nhwc", got ${JSON.stringify(spec.layout)}`);
  }
  for (const key of ["scale", "bias"] as const) {
    if (typeof spec[key] !== "number" || !Number.isFinite(spec[key])) {
      throw new Error(`${what}.${key}: expected a finite number, got ${String(spec[key])}`);
    }
  }
  return spec;
}

/** Channels of the tensor a spec makes: 1 for `grey`, 3 for the others. */
export function specChannels(spec: Pick<PreprocessSpec, "colorSpace">): 1 | 3 {
  return spec.colorSpace === "grey" ? 1 : 3;
}

/** The crop rectangle in pixels of a frame of the given size. */
export function cropRectangle(spec: PreprocessSpec, frameWidth: number, frameHeight: number) {
  return {
    x: spec.crop.x * frameWidth,
    y: spec.crop.y * frameHeight,
    width: spec.crop.width * frameWidth,
    height: spec.crop.height * frameHeight,
  };
}

/**
 * The colour conversion as a matrix (a row per output channel: R, G, B weights and an offset),
 * then scale and bias: what the SIMD kernels apply, and preprocess's loop for grey frames. YUV is
 * BT.601 full range (JPEG's YCbCr). An RGB or BGR row picks its channel by 1 and adds the others
 * times 0, which is exact for the non-negative values here.
 */
function colourTransform(spec: PreprocessSpec): ColourTransform {
  const key = `${spec.colorSpace}:${spec.scale}:${spec.bias}`;
  if (lastColour?.key === key) return lastColour.transform;
  const rows =
    spec.colorSpace === "yuv"
      ? [
          [0.299, 0.587, 0.114, 0],
          [-0.168736, -0.331264, 0.5, 128],
          [0.5, -0.418688, -0.081312, 128],
        ]
      : spec.colorSpace === "bgr"
        ? [
            [0, 0, 1, 0],
            [0, 1, 0, 0],
            [1, 0, 0, 0],
          ]
        : [
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
          ];
  const transform = Float64Array.from([...rows.flat(), spec.scale, spec.bias]);
  lastColour = { key, transform };
  return transform;
}

let lastColour: { readonly key: string; readonly transform: ColourTransform } | undefined;

/** The model-sized floats (RGB, or grey) of the frame being preprocessed, reused by the next frame. */
let rgbScratch = new Float32Array(0);

/**
 * Crops, resizes and converts one frame into the model's input values (C*H*W for nchw, H*W*C for
 * nhwc). Writes into `out` at `offset` when given, so a batch is filled without copies. A grey
 * frame is resized as one channel and read as R = G = B: the values of its RGB widening (within
 * float32 rounding: the widening takes the SIMD kernels), without widening it (for a grey model,
 * its bytes exactly).
 */
export function preprocess(
  frame: CameraFrame,
  spec: PreprocessSpec,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  assertFrame(frame);
  const { width, height } = spec;
  const plane = width * height;
  const channels = specChannels(spec);
  const target = out ?? new Float32Array(plane * channels);
  if (target.length < offset + plane * channels) {
    throw new Error(
      `preprocess: output buffer holds ${target.length} values, needs ${offset + plane * channels}`,
    );
  }
  const frameChannelCount = frameChannels(frame);
  if (frameChannelCount === 3 && channels === 3) {
    // An RGB frame into a colour model, every colour camera's frame: one call of the SIMD kernels.
    resampleRgbConverted(
      frame.data,
      frame.width,
      frame.height,
      cropRectangle(spec, frame.width, frame.height),
      width,
      height,
      colourTransform(spec),
      target,
      offset,
      spec.layout,
    );
    return target;
  }
  if (rgbScratch.length < plane * frameChannelCount) rgbScratch = new Float32Array(plane * frameChannelCount);
  const rgb = resampleBytes(
    frame.data,
    frame.width,
    frame.height,
    frameChannelCount,
    cropRectangle(spec, frame.width, frame.height),
    width,
    height,
    rgbScratch,
  );
  const { scale, bias } = spec;
  if (channels === 1) {
    if (frameChannelCount === 1) {
      // A grey frame into a grey model: its bytes, resized, as they are.
      for (let p = 0; p < plane; p++) target[offset + p] = rgb[p] * scale + bias;
      return target;
    }
    for (let p = 0, i = 0; p < plane; p++, i += 3) {
      const r = rgb[i];
      const g = rgb[i + 1];
      const b = rgb[i + 2];
      // Integer weights summing to 1000, so a grey pixel keeps its exact value.
      const y = r === g && g === b ? r : (299 * r + 587 * g + 114 * b) / 1000;
      target[offset + p] = y * scale + bias;
    }
    return target;
  }
  // A grey frame into a colour model (an RGB frame took the SIMD kernels above): its value read as
  // R, G and B, through the kernels' matrix (in doubles here; the kernels apply it in float32).
  const m = colourTransform(spec);
  // Where channel 0, 1 and 2 of pixel p go: offset + p * step + channel * stride.
  const step = spec.layout === "nchw" ? 1 : 3;
  const stride = spec.layout === "nchw" ? plane : 1;
  for (let p = 0, t = offset; p < plane; p++, t += step) {
    const v = rgb[p];
    for (let c = 0, k = 0; c < 3; c++, k += 4)
      target[t + c * stride] = (m[k] * v + m[k + 1] * v + m[k + 2] * v + m[k + 3]) * scale + bias;
  }
  return target;
}

/** The crop in frame pixels, its whole-pixel bounds, and the same crop in mask coordinates. */
function maskPlacement(mask: FloatImage, spec: PreprocessSpec, frameWidth: number, frameHeight: number) {
  if (mask.data.length !== mask.width * mask.height) {
    throw new Error(`mapMaskToFrame: mask of ${mask.width}x${mask.height} has ${mask.data.length} values`);
  }
  const rect = cropRectangle(spec, frameWidth, frameHeight);
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(frameWidth, Math.ceil(rect.x + rect.width));
  const y1 = Math.min(frameHeight, Math.ceil(rect.y + rect.height));
  // The crop in mask coordinates, so that resampling lands exactly on frame pixels x0..x1, y0..y1.
  const sx = mask.width / rect.width;
  const sy = mask.height / rect.height;
  const region = {
    x: (x0 - rect.x) * sx,
    y: (y0 - rect.y) * sy,
    width: (x1 - x0) * sx,
    height: (y1 - y0) * sy,
  };
  return { x0, y0, width: x1 - x0, height: y1 - y0, region };
}

/** Zeros a `width` x `height` image outside the rectangle `x0, y0, width, height` of `place`. */
function zeroOutside(
  out: Uint8Array,
  frameWidth: number,
  frameHeight: number,
  place: { readonly x0: number; readonly y0: number; readonly width: number; readonly height: number },
): void {
  const y1 = place.y0 + place.height;
  out.fill(0, 0, place.y0 * frameWidth);
  out.fill(0, y1 * frameWidth, frameHeight * frameWidth);
  if (place.x0 === 0 && place.width === frameWidth) return;
  for (let y = place.y0; y < y1; y++) {
    const row = y * frameWidth;
    out.fill(0, row, row + place.x0);
    out.fill(0, row + place.x0 + place.width, row + frameWidth);
  }
}

/**
 * Maps a mask at the model's resolution back onto the camera frame: the inverse of crop and
 * resize. Pixels outside the crop were never seen by the model and get 0.
 */
export function mapMaskToFrame(
  mask: FloatImage,
  spec: PreprocessSpec,
  frameWidth: number,
  frameHeight: number,
): FloatImage {
  const place = maskPlacement(mask, spec, frameWidth, frameHeight);
  const out = new Float32Array(frameWidth * frameHeight);
  if (place.width <= 0 || place.height <= 0) return { width: frameWidth, height: frameHeight, data: out };
  resampleFloats(mask.data, mask.width, mask.height, place.region, place.width, place.height, {
    data: out,
    stride: frameWidth,
    x: place.x0,
    y: place.y0,
  });
  return { width: frameWidth, height: frameHeight, data: out };
}

/**
 * `maskToMono8(mapMaskToFrame(...))` in one pass: the mask on the camera frame as 8-bit levels
 * (the mono8 mask image, and the overlay's colour index), without the frame-sized float image.
 */
export function mapMaskToMono8(
  mask: FloatImage,
  spec: PreprocessSpec,
  frameWidth: number,
  frameHeight: number,
  /** Where to write the levels (frameWidth x frameHeight), instead of a new buffer. */
  into?: Uint8Array,
): Uint8Array {
  const place = maskPlacement(mask, spec, frameWidth, frameHeight);
  if (into !== undefined && into.length !== frameWidth * frameHeight)
    throw new Error(
      `mask mapping: expected a ${frameWidth}x${frameHeight} target of ${frameWidth * frameHeight} bytes, got ${into.length}`,
    );
  // Outside the region the model saw, the mask is 0 (a new buffer is zeros already; a lent one
  // is zeroed there only, as the resampling writes every byte inside).
  const out = into ?? new Uint8Array(frameWidth * frameHeight);
  if (place.width <= 0 || place.height <= 0) return out.fill(0);
  if (into !== undefined) zeroOutside(out, frameWidth, frameHeight, place);
  resampleFloatsToLevels(mask.data, mask.width, mask.height, place.region, place.width, place.height, {
    data: out,
    stride: frameWidth,
    x: place.x0,
    y: place.y0,
  });
  return out;
}
