/**
 * A strip of evenly spaced overlay thumbnails from a run of unknown length: keeps every
 * `stride`-th frame and, when too many are kept, drops every other one and doubles the stride,
 * so memory stays bounded however long the bag is.
 */
import sharp from "sharp";
import type { RgbFrame } from "../image/frame";

export interface Thumbnail {
  /** Index of the frame among its camera's processed frames. */
  readonly index: number;
  readonly logTimeNs: bigint;
  readonly png: Buffer;
}

export class ThumbnailSampler {
  readonly #limit: number;
  readonly #width: number;
  #stride = 1;
  #kept: Promise<Thumbnail>[] = [];
  #indices: number[] = [];

  /** `limit` thumbnails at most in the strip, each `width` pixels wide. */
  constructor(limit = 16, width = 200) {
    this.#limit = Math.max(1, limit);
    this.#width = width;
  }

  /** Offers frame `index`; the frame's buffer is only read now. */
  offer(index: number, logTimeNs: bigint, overlay: RgbFrame): void {
    if (index % this.#stride !== 0) return;
    this.#indices.push(index);
    this.#kept.push(shrink(overlay, this.#width).then((png) => ({ index, logTimeNs, png })));
    if (this.#kept.length >= this.#limit * 2) {
      this.#stride *= 2;
      const keep = this.#indices.map((i) => i % this.#stride === 0);
      this.#kept = this.#kept.filter((_, k) => keep[k]);
      this.#indices = this.#indices.filter((_, k) => keep[k]);
    }
  }

  /** Up to `limit` thumbnails, evenly spread, in frame order. */
  async thumbnails(): Promise<Thumbnail[]> {
    const all = await Promise.all(this.#kept);
    if (all.length <= this.#limit) return all;
    const step = (all.length - 1) / (this.#limit - 1 || 1);
    return Array.from({ length: this.#limit }, (_, k) => all[Math.round(k * step)]);
  }
}

function shrink(frame: RgbFrame, width: number): Promise<Buffer> {
  const copy = Buffer.from(frame.data);
  const height = Math.max(1, Math.round((frame.height * width) / frame.width));
  return sharp(copy, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height)
    .png()
    .toBuffer();
}
