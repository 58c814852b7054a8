/**
 * Reads primitives from a CDR buffer the way Fast DDS and Cyclone DDS write ROS 2 messages: a
 * 4-byte encapsulation header, then values aligned to their size relative to the end of that
 * header (at most 8 for XCDR1, at most 4 for XCDR2).
 */

/** Encapsulation kinds this reader accepts (the second header byte). */
export const CDR_BE = 0x00;
export const CDR_LE = 0x01;
export const CDR2_BE = 0x06;
export const CDR2_LE = 0x07;

const HEADER_SIZE = 4;
const decoder = new TextDecoder("utf-8");

/** Sequential reader over one serialized message. */
export class CdrReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #little: boolean;
  readonly #maxAlign: number;
  #offset = HEADER_SIZE;

  constructor(data: Uint8Array) {
    if (data.byteLength < HEADER_SIZE) {
      throw new Error(
        `CDR data: expected at least a 4-byte encapsulation header, got ${data.byteLength} bytes`,
      );
    }
    const kind = data[1];
    if (data[0] !== 0 || ![CDR_BE, CDR_LE, CDR2_BE, CDR2_LE].includes(kind)) {
      throw new Error(
        `CDR data: unsupported encapsulation header ${hex(data.subarray(0, 4))}, expected 00 01 00 00 (XCDR1 little-endian)`,
      );
    }
    this.#bytes = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#little = kind === CDR_LE || kind === CDR2_LE;
    this.#maxAlign = kind === CDR2_BE || kind === CDR2_LE ? 4 : 8;
  }

  /** Position in the buffer, header included. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.byteLength - this.#offset;
  }

  get littleEndian(): boolean {
    return this.#little;
  }

  /** Skips padding so the next value of `size` bytes is aligned. */
  align(size: number): void {
    const a = Math.min(size, this.#maxAlign);
    const rel = this.#offset - HEADER_SIZE;
    const pad = (a - (rel % a)) % a;
    this.#offset += pad;
  }

  /** Claims `size` bytes after aligning to `alignTo` (the element size; 1 for raw bytes). */
  #take(size: number, what: string, alignTo = size): number {
    this.align(alignTo);
    const at = this.#offset;
    if (at + size > this.#bytes.byteLength) {
      throw new RangeError(
        `CDR data: ${what} at offset ${at} needs ${size} bytes, only ${Math.max(0, this.#bytes.byteLength - at)} left`,
      );
    }
    this.#offset += size;
    return at;
  }

  int8(): number {
    return this.#view.getInt8(this.#take(1, "int8"));
  }
  uint8(): number {
    return this.#view.getUint8(this.#take(1, "uint8"));
  }
  int16(): number {
    return this.#view.getInt16(this.#take(2, "int16"), this.#little);
  }
  uint16(): number {
    return this.#view.getUint16(this.#take(2, "uint16"), this.#little);
  }
  int32(): number {
    return this.#view.getInt32(this.#take(4, "int32"), this.#little);
  }
  uint32(): number {
    return this.#view.getUint32(this.#take(4, "uint32"), this.#little);
  }
  int64(): bigint {
    return this.#view.getBigInt64(this.#take(8, "int64"), this.#little);
  }
  uint64(): bigint {
    return this.#view.getBigUint64(this.#take(8, "uint64"), this.#little);
  }
  float32(): number {
    return this.#view.getFloat32(this.#take(4, "float32"), this.#little);
  }
  float64(): number {
    return this.#view.getFloat64(this.#take(8, "float64"), this.#little);
  }

  /** A sequence length or string length prefix. */
  sequenceLength(): number {
    return this.uint32();
  }

  /** A `string`: uint32 length including the terminating NUL, the bytes, the NUL. */
  string(): string {
    const length = this.uint32();
    if (length === 0) return "";
    const at = this.#take(length, `string of ${length} bytes`, 1);
    const end = this.#bytes[at + length - 1] === 0 ? at + length - 1 : at + length;
    return decoder.decode(this.#bytes.subarray(at, end));
  }

  /** A `wstring` as Fast DDS writes it: uint32 character count, then 32-bit code units. */
  wstring(): string {
    const length = this.uint32();
    let out = "";
    for (let i = 0; i < length; i++) out += String.fromCodePoint(this.uint32());
    return out.replace(/\0+$/, "");
  }

  /** `count` raw bytes as a view of the source (no copy: it pins the source buffer). */
  bytesView(count: number): Uint8Array {
    const at = this.#take(count, `${count} bytes`, 1);
    return this.#bytes.subarray(at, at + count);
  }

  /** `count` raw bytes, copied so the result does not pin the source buffer. */
  bytes(count: number): Uint8Array {
    const at = this.#take(count, `${count} bytes`, 1);
    return this.#bytes.slice(at, at + count);
  }

  /**
   * `count` elements of `size` bytes, aligned, returned as a copy suitable for a typed array of
   * the same element type (byte-swapped when the data is big-endian).
   */
  elementBytes(count: number, size: number): ArrayBuffer {
    if (count === 0) return new ArrayBuffer(0);
    const total = count * size;
    const at = this.#take(total, `array of ${count} x ${size} bytes`, size);
    const copy = this.#bytes.slice(at, at + total);
    if (!this.#little && size > 1) {
      for (let i = 0; i < total; i += size) copy.subarray(i, i + size).reverse();
    }
    return copy.buffer;
  }
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}
