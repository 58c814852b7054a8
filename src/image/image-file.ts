import * as fs from "node:fs";
import sharp from "sharp";
import { RgbFrame } from "./frame";

/** Decodes a PNG or JPEG file (any format sharp reads) to tightly packed RGB. */
export async function readImageFile(file: string): Promise<RgbFrame> {
  if (!fs.existsSync(file)) throw new Error(`image '${file}' does not exist`);
  try {
    const { data, info } = await sharp(file)
      .rotate()
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (error) {
    throw new Error(`image '${file}' could not be read: ${(error as Error).message}`, { cause: error });
  }
}

/** Encodes an RGB frame (3 channels) or a gray image (1 channel) as PNG bytes. */
export async function encodePng(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): Promise<Buffer> {
  const image = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels },
  });
  // Without the explicit colour space sharp widens one channel to RGB.
  return (channels === 1 ? image.toColourspace("b-w") : image).png().toBuffer();
}
