/** Streams an array to a NumPy .npy file (format 1.0, C order) without holding it all in memory. */
import * as fs from "node:fs";
import { npyHeader } from "../npy";

export { npyHeader };
export type NpyType = "uint8" | "float32";

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
