/**
 * Writes CDR (XCDR1, little-endian) the way Fast DDS and Cyclone DDS do, so messages written by the
 * package are byte-identical to those a ROS 2 node would publish.
 */

const HEADER_SIZE = 4;
const encoder = new TextEncoder();

/** Growable little-endian CDR output buffer. */
export class CdrWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #offset = HEADER_SIZE;

  constructor(initialCapacity = 256) {
    this.#buffer = new Uint8Array(Math.max(initialCapacity, 16));
    this.#view = new DataView(this.#buffer.buffer);
    // Encapsulation header: CDR little-endian, options 0.
    this.#buffer.set([0x00, 0x01, 0x00, 0x00]);
  }

  /** Bytes written so far, header included. */
  get size(): number {
    return this.#offset;
  }

  /** The serialized message (a view of the internal buffer; do not write after taking it). */
  get data(): Uint8Array {
    return this.#buffer.subarray(0, this.#offset);
  }

  #ensure(extra: number): void {
    const needed = this.#offset + extra;
    if (needed <= this.#buffer.byteLength) return;
    let capacity = this.#buffer.byteLength * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.#buffer.subarray(0, this.#offset));
    this.#buffer = next;
    this.#view = new DataView(next.buffer);
  }

  /** Writes zero padding so the next value of `size` bytes is aligned (relative to the header). */
  align(size: number): void {
    const rel = this.#offset - HEADER_SIZE;
    const pad = (size - (rel % size)) % size;
    if (pad === 0) return;
    this.#ensure(pad);
    this.#buffer.fill(0, this.#offset, this.#offset + pad);
    this.#offset += pad;
  }

  #at(size: number): number {
    this.align(size);
    this.#ensure(size);
    const at = this.#offset;
    this.#offset += size;
    return at;
  }

  int8(v: number): void {
    const at = this.#at(1); // before reading #view: growing replaces it
    this.#view.setInt8(at, v);
  }
  uint8(v: number): void {
    const at = this.#at(1); // before reading #view: growing replaces it
    this.#view.setUint8(at, v);
  }
  int16(v: number): void {
    const at = this.#at(2); // before reading #view: growing replaces it
    this.#view.setInt16(at, v, true);
  }
  uint16(v: number): void {
    const at = this.#at(2); // before reading #view: growing replaces it
    this.#view.setUint16(at, v, true);
  }
  int32(v: number): void {
    const at = this.#at(4); // before reading #view: growing replaces it
    this.#view.setInt32(at, v, true);
  }
  uint32(v: number): void {
    const at = this.#at(4); // before reading #view: growing replaces it
    this.#view.setUint32(at, v, true);
  }
  int64(v: bigint): void {
    const at = this.#at(8); // before reading #view: growing replaces it
    this.#view.setBigInt64(at, v, true);
  }
  uint64(v: bigint): void {
    const at = this.#at(8); // before reading #view: growing replaces it
    this.#view.setBigUint64(at, v, true);
  }
  float32(v: number): void {
    const at = this.#at(4); // before reading #view: growing replaces it
    this.#view.setFloat32(at, v, true);
  }
  float64(v: number): void {
    const at = this.#at(8); // before reading #view: growing replaces it
    this.#view.setFloat64(at, v, true);
  }

  /** A sequence length prefix. */
  sequenceLength(n: number): void {
    this.uint32(n);
  }

  /** A `string`: uint32 length including the NUL, the UTF-8 bytes, the NUL. */
  string(v: string): void {
    const bytes = encoder.encode(v);
    this.uint32(bytes.byteLength + 1);
    this.#ensure(bytes.byteLength + 1);
    this.#buffer.set(bytes, this.#offset);
    this.#buffer[this.#offset + bytes.byteLength] = 0;
    this.#offset += bytes.byteLength + 1;
  }

  /** A `wstring` as Fast DDS writes it: uint32 character count, then 32-bit code units. */
  wstring(v: string): void {
    const points = [...v].map((c) => c.codePointAt(0) ?? 0);
    this.uint32(points.length);
    for (const p of points) this.uint32(p);
  }

  /** Raw bytes (a uint8/byte/char array body). */
  bytes(v: Uint8Array): void {
    this.#ensure(v.byteLength);
    this.#buffer.set(v, this.#offset);
    this.#offset += v.byteLength;
  }

  /** The body of a numeric array, elements of `size` bytes, already little-endian. */
  elementBytes(v: ArrayBufferView, size: number): void {
    if (v.byteLength === 0) return;
    this.align(size);
    this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
}
