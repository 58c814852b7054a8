/** Streams an array to a NumPy .npy file (format 1.0, C order) without holding it all in memory. */
import * as fs from "node:fs";

export type NpyType = "uint8" | "float32";

const DESCR: Record<NpyType, string> = { uint8: "|u1", float32: "<f4" };
const BYTES: Record<NpyType, number> = { uint8: 1, float32: 4 };

export class NpyWriter {
  readonly path: string;
  readonly dtype: NpyType;
  readonly shape: readonly number[];
  #fd: number;
  #written = 0;
  #expected: number;

  /** Opens `path` for an array of `shape` (the first axis is the number of rows to write). */
  constructor(path: string, dtype: NpyType, shape: readonly number[]) {
    if (shape.length === 0 || shape.some((n) => !Number.isSafeInteger(n) || n < 0)) {
      throw new Error(`NpyWriter: shape must be non-negative integers, got [${shape.join(", ")}]`);
    }
    this.path = path;
    this.dtype = dtype;
    this.shape = [...shape];
    this.#expected = shape.reduce((a, b) => a * b, 1);
    this.#fd = fs.openSync(path, "w");
    fs.writeSync(this.#fd, npyHeader(dtype, shape));
  }

  /** Appends values in C order. */
  write(values: Uint8Array | Float32Array): void {
    if (this.dtype === "uint8" && !(values instanceof Uint8Array))
      throw new Error("NpyWriter: expected a Uint8Array");
    if (this.dtype === "float32" && !(values instanceof Float32Array))
      throw new Error("NpyWriter: expected a Float32Array");
    if (this.#written + values.length > this.#expected)
      throw new Error(`NpyWriter: more than ${this.#expected} values for ${this.path}`);
    // .npy is little-endian here; so is every machine Node runs this on.
    fs.writeSync(
      this.#fd,
      new Uint8Array(values.buffer, values.byteOffset, values.length * BYTES[this.dtype]),
    );
    this.#written += values.length;
  }

  /** Closes the file; throws if fewer values were written than the shape says. */
  close(): void {
    fs.closeSync(this.#fd);
    if (this.#written !== this.#expected) {
      throw new Error(`NpyWriter: ${this.path} got ${this.#written} of ${this.#expected} values`);
    }
  }
}

/** The .npy 1.0 header, padded so the data starts on a 64-byte boundary. */
export function npyHeader(dtype: NpyType, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + dict.length + 1;
  dict += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const header = new Uint8Array(10 + dict.length);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  header[8] = dict.length & 0xff;
  header[9] = dict.length >> 8;
  for (let i = 0; i < dict.length; i++) header[10 + i] = dict.charCodeAt(i);
  return header;
}
