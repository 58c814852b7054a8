/**
 * NumPy `.npy` files (format 1.0 and 2.0), little-endian float32, float64 and uint8, C order: the
 * format the reference vectors and training data use, so tensors move between Python and Node as-is.
 */

export type NpyData = Float32Array | Float64Array | Uint8Array;

export interface NpyArray<T extends NpyData = NpyData> {
  readonly shape: readonly number[];
  readonly data: T;
}

const DESCR: Record<string, { make: (buffer: ArrayBuffer) => NpyData; bytes: number }> = {
  "<f4": { make: (b) => new Float32Array(b), bytes: 4 },
  "<f8": { make: (b) => new Float64Array(b), bytes: 8 },
  "|u1": { make: (b) => new Uint8Array(b), bytes: 1 },
  "<u1": { make: (b) => new Uint8Array(b), bytes: 1 },
};

/** Parses an .npy file. `what` names it in errors. */
export function parseNpy(bytes: Uint8Array, what = "npy file"): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) {
    throw new Error(`${what}: not a NumPy .npy file (bad magic)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder("latin1").decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${what}: malformed .npy header`);
  }
  const kind = DESCR[descr];
  if (kind === undefined) {
    throw new Error(
      `${what}: dtype '${descr}' is not supported (expected float32, float64 or uint8, little-endian)`,
    );
  }
  if (fortran === "True") throw new Error(`${what}: Fortran-ordered arrays are not supported`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const byteLength = count * kind.bytes;
  if (bytes.length - dataStart < byteLength) {
    throw new Error(
      `${what}: truncated: shape (${shape.join(", ")}) needs ${byteLength} data bytes, found ${bytes.length - dataStart}`,
    );
  }
  // A copy, aligned for the typed array (a Node Buffer's slice() would share the pool instead).
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(dataStart, dataStart + byteLength));
  return { shape, data: kind.make(copy.buffer) };
}

export type NpyType = "uint8" | "float32" | "float64";

const DESCR_OF: Record<NpyType, string> = { uint8: "|u1", float32: "<f4", float64: "<f8" };

/** The .npy 1.0 header, space-padded so the data starts on a 64-byte boundary, as NumPy writes it. */
export function npyHeader(dtype: NpyType, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${dims}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, " ") + "\n";
  const header = new Uint8Array(total);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(header.buffer).setUint16(8, dict.length, true);
  header.set(new TextEncoder().encode(dict), 10);
  return header;
}

/** Encodes a little-endian C-order .npy (format 1.0). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const dtype: NpyType =
    array.data instanceof Float32Array ? "float32" : array.data instanceof Float64Array ? "float64" : "uint8";
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new Error(
      `npy: shape (${array.shape.join(", ")}) holds ${count} values but data has ${array.data.length}`,
    );
  }
  const header = npyHeader(dtype, array.shape);
  const out = new Uint8Array(header.length + array.data.byteLength);
  out.set(header);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), header.length);
  return out;
}
