/**
 * Positional reads from a file with a read-ahead window, so scanning many small MCAP records does
 * not cost one system call each. Every read returns bytes that stay valid (windows are never
 * reused), so message data can be handed out as views without copying.
 */
import * as fs from "node:fs";

const WINDOW = 1 << 20;

export class RandomAccessFile {
  readonly #fh: fs.promises.FileHandle;
  readonly #size: number;
  readonly #path: string;
  #window: Uint8Array = new Uint8Array(0);
  #windowStart = 0;

  private constructor(fh: fs.promises.FileHandle, size: number, path: string) {
    this.#fh = fh;
    this.#size = size;
    this.#path = path;
  }

  /** Opens read-only; the file is never written. */
  static async open(path: string): Promise<RandomAccessFile> {
    const fh = await fs.promises.open(path, "r");
    try {
      const stat = await fh.stat();
      if (!stat.isFile()) throw new Error(`${path}: expected a file`);
      return new RandomAccessFile(fh, stat.size, path);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  get size(): number {
    return this.#size;
  }

  get path(): string {
    return this.#path;
  }

  /** Reads up to `length` bytes at `offset`; fewer only at the end of the file. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(offset + length, this.#size);
    if (offset >= end) return new Uint8Array(0);
    const wEnd = this.#windowStart + this.#window.byteLength;
    if (offset >= this.#windowStart && end <= wEnd) {
      return this.#window.subarray(offset - this.#windowStart, end - this.#windowStart);
    }
    if (end - offset >= WINDOW / 2) return this.#readDirect(offset, end - offset);
    this.#window = await this.#readDirect(offset, Math.min(WINDOW, this.#size - offset));
    this.#windowStart = offset;
    return this.#window.subarray(0, end - offset);
  }

  /**
   * Reads up to `length` bytes at `offset` into the start of `into` (at least `length` long) and
   * returns that part of it: for a caller that reuses one buffer read after read, where a fresh
   * one per read costs a page fault per 4 KiB on top of the copy.
   */
  async readInto(offset: number, length: number, into: Uint8Array): Promise<Uint8Array> {
    if (into.byteLength < length)
      throw new RangeError(`${this.#path}: reading ${length} bytes into a buffer of ${into.byteLength}`);
    return this.#readDirect(offset, Math.max(0, Math.min(length, this.#size - offset)), into);
  }

  async #readDirect(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const buffer = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.#fh.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === buffer.byteLength ? buffer : buffer.subarray(0, done);
  }

  async close(): Promise<void> {
    await this.#fh.close();
  }
}
