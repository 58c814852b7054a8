/**
 * Camera images as ROS delivers them (sensor_msgs/Image, sensor_msgs/CompressedImage) converted to
 * a tightly packed frame: RGB, or grey for mono8 and mono16 (see GreyFrame). Pure functions, no ROS
 * dependency, so the live node and the bag tool convert identically.
 */
import type Sharp from "sharp";
import { type ByteAllocator, type CameraFrame, freshBytes, type RgbFrame, toRgbFrame } from "./frame";

/** Why a camera image could not be converted; the node counts bad frames by reason. */
export type ImageConversionReason =
  | "unknown-encoding"
  | "zero-size"
  | "odd-width"
  | "step-mismatch"
  | "truncated"
  | "size-mismatch"
  | "corrupt-compressed";

/** A camera image that cannot be turned into a frame; the message says what is wrong and with which numbers. */
export class ImageConversionError extends Error {
  readonly reason: ImageConversionReason;

  constructor(reason: ImageConversionReason, message: string) {
    super(message);
    this.name = "ImageConversionError";
    this.reason = reason;
  }
}

/** The fields of sensor_msgs/Image the conversion reads. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly encoding: string;
  /** Non-zero when multi-byte channels are big-endian (only mono16 here). */
  readonly is_bigendian: number;
  /** Bytes per row, padding included. */
  readonly step: number;
  readonly data: Uint8Array;
}

/** The fields of sensor_msgs/CompressedImage the conversion reads. */
export interface CompressedImage {
  readonly format: string;
  readonly data: Uint8Array;
}

type Converter = (
  source: Uint8Array,
  sourceOffset: number,
  target: Uint8Array,
  targetOffset: number,
  width: number,
  bigEndian: boolean,
) => void;

interface EncodingInfo {
  /** Bytes one pixel takes in a row (2 for the 4-byte, 2-pixel YUV 4:2:2 macropixel). */
  readonly bytesPerPixel: number;
  readonly needsEvenWidth: boolean;
  readonly convertRow: Converter;
  /** The rows are RGB already: a frame without row padding is copied in one go. */
  readonly isRgb?: boolean;
  /** Grey encodings (mono8, mono16) convert to one byte a pixel, a GreyFrame. */
  readonly grey?: boolean;
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

// ITU-R BT.601 limited-range YUV to RGB in 20-bit fixed point, the constants and rounding of
// OpenCV's cvtColor(COLOR_YUV2RGB_UYVY / _YUY2), which cv_bridge uses for these encodings.
const YUV_SHIFT = 20;
const YUV_HALF = 1 << (YUV_SHIFT - 1);
const CY = 1220542;
const CUB = 2116026;
const CUG = -409993;
const CVG = -852492;
const CVR = 1673527;

function writeYuvPair(
  y0: number,
  y1: number,
  u: number,
  v: number,
  target: Uint8Array,
  offset: number,
): void {
  const du = u - 128;
  const dv = v - 128;
  const ruv = YUV_HALF + CVR * dv;
  const guv = YUV_HALF + CVG * dv + CUG * du;
  const buv = YUV_HALF + CUB * du;
  const ya = Math.max(0, y0 - 16) * CY;
  const yb = Math.max(0, y1 - 16) * CY;
  target[offset] = clampByte((ya + ruv) >> YUV_SHIFT);
  target[offset + 1] = clampByte((ya + guv) >> YUV_SHIFT);
  target[offset + 2] = clampByte((ya + buv) >> YUV_SHIFT);
  target[offset + 3] = clampByte((yb + ruv) >> YUV_SHIFT);
  target[offset + 4] = clampByte((yb + guv) >> YUV_SHIFT);
  target[offset + 5] = clampByte((yb + buv) >> YUV_SHIFT);
}

const ENCODINGS: ReadonlyMap<string, EncodingInfo> = new Map<string, EncodingInfo>([
  [
    "rgb8",
    {
      bytesPerPixel: 3,
      needsEvenWidth: false,
      convertRow: (src, s, dst, d, width) => dst.set(src.subarray(s, s + width * 3), d),
      isRgb: true,
    },
  ],
  [
    "bgr8",
    {
      bytesPerPixel: 3,
      needsEvenWidth: false,
      convertRow: (src, s, dst, d, width) => {
        for (let x = 0; x < width; x++, s += 3, d += 3) {
          dst[d] = src[s + 2];
          dst[d + 1] = src[s + 1];
          dst[d + 2] = src[s];
        }
      },
    },
  ],
  [
    "rgba8",
    {
      bytesPerPixel: 4,
      needsEvenWidth: false,
      convertRow: (src, s, dst, d, width) => {
        for (let x = 0; x < width; x++, s += 4, d += 3) {
          dst[d] = src[s];
          dst[d + 1] = src[s + 1];
          dst[d + 2] = src[s + 2];
        }
      },
    },
  ],
  [
    "bgra8",
    {
      bytesPerPixel: 4,
      needsEvenWidth: false,
      convertRow: (src, s, dst, d, width) => {
        for (let x = 0; x < width; x++, s += 4, d += 3) {
          dst[d] = src[s + 2];
          dst[d + 1] = src[s + 1];
          dst[d + 2] = src[s];
        }
      },
    },
  ],
  [
    "mono8",
    {
      bytesPerPixel: 1,
      needsEvenWidth: false,
      grey: true,
      convertRow: (src, s, dst, d, width) => dst.set(src.subarray(s, s + width), d),
    },
  ],
  [
    "mono16",
    {
      bytesPerPixel: 2,
      needsEvenWidth: false,
      grey: true,
      // Keep the high byte (value / 256), as cv_bridge does for mono16 -> mono8.
      convertRow: (src, s, dst, d, width, bigEndian) => {
        const highByte = bigEndian ? 0 : 1;
        for (let x = 0; x < width; x++, s += 2, d += 1) dst[d] = src[s + highByte];
      },
    },
  ],
  [
    // sensor_msgs "yuv422" is UYVY: U0 Y0 V0 Y1 for two pixels.
    "yuv422",
    {
      bytesPerPixel: 2,
      needsEvenWidth: true,
      convertRow: (src, s, dst, d, width) => {
        for (let x = 0; x < width; x += 2, s += 4, d += 6) {
          writeYuvPair(src[s + 1], src[s + 3], src[s], src[s + 2], dst, d);
        }
      },
    },
  ],
  [
    // sensor_msgs "yuv422_yuy2" is YUYV: Y0 U0 Y1 V0 for two pixels.
    "yuv422_yuy2",
    {
      bytesPerPixel: 2,
      needsEvenWidth: true,
      convertRow: (src, s, dst, d, width) => {
        for (let x = 0; x < width; x += 2, s += 4, d += 6) {
          writeYuvPair(src[s], src[s + 2], src[s + 1], src[s + 3], dst, d);
        }
      },
    },
  ],
]);

/** sensor_msgs/Image encodings `imageToFrame` accepts. */
export const SUPPORTED_ENCODINGS: readonly string[] = [...ENCODINGS.keys()];

/** CompressedImage formats `compressedToRgbFrame` accepts. */
export const SUPPORTED_COMPRESSED_FORMATS: readonly string[] = ["jpeg", "png"];

function describe(image: RawImage): string {
  return `${image.width}x${image.height} ${image.encoding}`;
}

/** Where a converted frame's bytes live. */
export interface FrameConversionOptions {
  /**
   * For a caller whose message bytes are never reused or written (the bag tool's input): a tightly
   * packed rgb8 or mono8 frame is then a view of them. Otherwise the frame is a copy, as the
   * middleware may reuse a message's data.
   */
  readonly borrow?: boolean;
  /** Where a copy goes: a fresh buffer by default, or one the caller lends (the node's pool). */
  readonly allocate?: ByteAllocator;
}

/** imageToFrame's frame as RGB (a mono8 or mono16 image widened, R = G = B). */
export function imageToRgbFrame(image: RawImage, options: FrameConversionOptions = {}): RgbFrame {
  return toRgbFrame(imageToFrame(image, options));
}

/**
 * Converts a sensor_msgs/Image to a tightly packed frame, dropping row padding (`step`): grey (one
 * byte a pixel) for mono8 and mono16, RGB for the others. Throws an ImageConversionError for a
 * zero size, an unknown encoding, a step shorter than a row, or data shorter or longer than
 * `step * height`. Never returns the message's own bytes unless `borrow` says it may.
 */
export function imageToFrame(image: RawImage, options: FrameConversionOptions = {}): CameraFrame {
  const { width, height, step, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageConversionError("zero-size", `image has no pixels: ${width}x${height}`);
  }
  const info = ENCODINGS.get(image.encoding.toLowerCase());
  if (info === undefined) {
    throw new ImageConversionError(
      "unknown-encoding",
      `unsupported image encoding "${image.encoding}"; supported: ${SUPPORTED_ENCODINGS.join(", ")}`,
    );
  }
  if (info.needsEvenWidth && width % 2 !== 0) {
    throw new ImageConversionError("odd-width", `${describe(image)}: YUV 4:2:2 needs an even width`);
  }
  const rowBytes = width * info.bytesPerPixel;
  if (!Number.isInteger(step) || step < rowBytes) {
    throw new ImageConversionError(
      "step-mismatch",
      `${describe(image)}: step ${step} is shorter than one row of ${rowBytes} bytes`,
    );
  }
  const neededBytes = step * (height - 1) + rowBytes;
  if (data.length < neededBytes) {
    throw new ImageConversionError(
      "truncated",
      `${describe(image)}: data has ${data.length} bytes, step ${step} x height ${height} needs ${step * height}`,
    );
  }
  if (data.length > step * height) {
    throw new ImageConversionError(
      "size-mismatch",
      `${describe(image)}: data has ${data.length} bytes, more than step ${step} x height ${height} = ${step * height}`,
    );
  }
  const bigEndian = image.is_bigendian !== 0;
  const channels = info.grey ? 1 : 3;
  const frameOf = (pixels: Uint8Array): CameraFrame =>
    info.grey ? { width, height, channels: 1, data: pixels } : { width, height, data: pixels };
  // RGB rows, and mono8's, are the frame's bytes already: without row padding, one copy or none.
  const asIs = info.isRgb === true || (info.grey === true && info.bytesPerPixel === 1);
  const packed = asIs && step === rowBytes;
  if (packed && options.borrow === true) return frameOf(data.subarray(0, rowBytes * height));
  const pixels = (options.allocate ?? freshBytes)(width * height * channels);
  if (packed) pixels.set(data.subarray(0, rowBytes * height));
  else
    for (let y = 0; y < height; y++) {
      info.convertRow(data, y * step, pixels, y * width * channels, width, bigEndian);
    }
  return frameOf(pixels);
}

type CompressedKind = "jpeg" | "png";

/** Reads image_transport's format strings ("jpeg", "png", "bgr8; jpeg compressed bgr8"). */
function compressedKind(format: string): CompressedKind | undefined {
  const lower = format.toLowerCase();
  if (lower.includes("compresseddepth")) return undefined;
  if (lower.includes("jpeg") || lower.includes("jpg")) return "jpeg";
  if (lower.includes("png")) return "png";
  return undefined;
}

function sniffKind(data: Uint8Array): CompressedKind | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "jpeg";
  if (data.length >= 4 && data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47)
    return "png";
  return undefined;
}

let sharpLoaded: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips), loaded on the first compressed image: loading it costs each of the bag tool's
 * frame workers tens of milliseconds at start, which raw cameras never need.
 */
function loadSharp(): Promise<typeof Sharp> {
  sharpLoaded ??= import("sharp").then((module) => module.default);
  return sharpLoaded;
}

/**
 * Decodes a sensor_msgs/CompressedImage (JPEG or PNG, colour or grey, alpha dropped) to an RGB
 * frame with sharp, off the main thread. An empty `format` is accepted when the bytes are JPEG or
 * PNG. Rejects with an ImageConversionError for other formats and for corrupt or truncated data.
 */
export async function compressedToRgbFrame(image: CompressedImage): Promise<RgbFrame> {
  const declared = image.format.trim() === "" ? undefined : compressedKind(image.format);
  const sniffed = sniffKind(image.data);
  if (image.format.trim() !== "" && declared === undefined) {
    throw new ImageConversionError(
      "unknown-encoding",
      `unsupported compressed format "${image.format}"; supported: ${SUPPORTED_COMPRESSED_FORMATS.join(", ")}`,
    );
  }
  const kind = declared ?? sniffed;
  if (kind === undefined || sniffed !== kind) {
    throw new ImageConversionError(
      "corrupt-compressed",
      `compressed image (${image.data.length} bytes) is not valid ${kind ?? "JPEG or PNG"} data`,
    );
  }
  const input = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: Sharp.OutputInfo };
  try {
    decoded = await sharp(input, { failOn: "warning" })
      .removeAlpha()
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ImageConversionError(
      "corrupt-compressed",
      `corrupt ${kind} image (${image.data.length} bytes): ${detail}`,
    );
  }
  const { width, height, channels } = decoded.info;
  if (width <= 0 || height <= 0) {
    throw new ImageConversionError("zero-size", `compressed ${kind} image has no pixels: ${width}x${height}`);
  }
  if (channels !== 3 || decoded.data.length !== width * height * 3) {
    throw new ImageConversionError(
      "corrupt-compressed",
      `compressed ${kind} image decoded to ${channels} channels, ${decoded.data.length} bytes for ${width}x${height}`,
    );
  }
  return {
    width,
    height,
    data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength),
  };
}
