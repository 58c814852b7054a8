/**
 * The protobuf wire format, as much of it as ONNX needs. Hand-written rather than generated so the
 * core has no dependency and so a model can be rewritten by appending fields to its original bytes,
 * which keeps every field this package does not understand exactly as it was.
 */

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5,
}

/** One field as it sits in a message: its number, wire type, and where its payload is. */
export interface WireField {
  readonly fieldNumber: number;
  readonly wireType: WireType;
  /** Varint payload, for wire type 0. */
  readonly varint: bigint;
  /** Payload bytes for length-delimited, fixed32 and fixed64 fields (a view, not a copy). */
  readonly bytes: Uint8Array;
  /** The whole field, tag included, as a view of the message bytes. */
  readonly raw: Uint8Array;
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });
const textEncoder = new TextEncoder();

/** Splits a message into its fields, in order. Throws on truncated or malformed input. */
export function readFields(message: Uint8Array, what = "protobuf message"): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= message.length) throw new Error(`${what}: truncated varint at byte ${pos}`);
      const byte = message[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error(`${what}: varint longer than 10 bytes at byte ${pos}`);
    }
  };
  while (pos < message.length) {
    const start = pos;
    const tag = readVarint();
    const fieldNumber = Number(tag >> 3n);
    const wireType = Number(tag & 7n) as WireType;
    if (fieldNumber === 0) throw new Error(`${what}: field number 0 at byte ${start}`);
    let varint = 0n;
    let bytes = message.subarray(pos, pos);
    switch (wireType) {
      case WireType.Varint:
        varint = readVarint();
        break;
      case WireType.Fixed64:
      case WireType.Fixed32: {
        const size = wireType === WireType.Fixed64 ? 8 : 4;
        if (pos + size > message.length) throw new Error(`${what}: truncated fixed field at byte ${pos}`);
        bytes = message.subarray(pos, pos + size);
        pos += size;
        break;
      }
      case WireType.LengthDelimited: {
        const length = Number(readVarint());
        if (pos + length > message.length) {
          throw new Error(
            `${what}: field ${fieldNumber} claims ${length} bytes but only ${message.length - pos} remain`,
          );
        }
        bytes = message.subarray(pos, pos + length);
        pos += length;
        break;
      }
      default:
        throw new Error(`${what}: unsupported wire type ${wireType as number} at byte ${start}`);
    }
    fields.push({ fieldNumber, wireType, varint, bytes, raw: message.subarray(start, pos) });
  }
  return fields;
}

export function fieldString(field: WireField): string {
  return textDecoder.decode(field.bytes);
}

/** Signed interpretation of a varint (int64/int32 fields use two's complement, not zigzag). */
export function fieldInt(field: WireField): number {
  return Number(BigInt.asIntN(64, field.varint));
}

export function fieldFloat(field: WireField): number {
  return new DataView(field.bytes.buffer, field.bytes.byteOffset, 4).getFloat32(0, true);
}

/** Repeated int64 that may be packed (one length-delimited field) or not (one varint each). */
export function pushInts(field: WireField, out: number[], what: string): void {
  if (field.wireType === WireType.Varint) {
    out.push(fieldInt(field));
    return;
  }
  let pos = 0;
  const b = field.bytes;
  while (pos < b.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= b.length) throw new Error(`${what}: truncated packed varint`);
      const byte = b[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(Number(BigInt.asIntN(64, result)));
  }
}

/** Repeated float that may be packed or not. */
export function pushFloats(field: WireField, out: number[]): void {
  const view = new DataView(field.bytes.buffer, field.bytes.byteOffset, field.bytes.length);
  for (let i = 0; i + 4 <= field.bytes.length; i += 4) out.push(view.getFloat32(i, true));
}

/** Accumulates an encoded message. */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  #varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.#push(Uint8Array.from(out));
  }

  #tag(fieldNumber: number, wireType: WireType): void {
    this.#varint(BigInt((fieldNumber << 3) | wireType));
  }

  int(fieldNumber: number, value: number | bigint): this {
    this.#tag(fieldNumber, WireType.Varint);
    this.#varint(BigInt(value));
    return this;
  }

  float(fieldNumber: number, value: number): this {
    this.#tag(fieldNumber, WireType.Fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#push(bytes);
    return this;
  }

  bytes(fieldNumber: number, value: Uint8Array): this {
    this.#tag(fieldNumber, WireType.LengthDelimited);
    this.#varint(BigInt(value.length));
    this.#push(value);
    return this;
  }

  string(fieldNumber: number, value: string): this {
    return this.bytes(fieldNumber, textEncoder.encode(value));
  }

  message(fieldNumber: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(fieldNumber, inner.finish());
  }

  /** Packed repeated int64. */
  packedInts(fieldNumber: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.#varint(BigInt(v));
    return this.bytes(fieldNumber, inner.finish());
  }

  /** Copies already-encoded fields verbatim. */
  raw(bytes: Uint8Array): this {
    this.#push(bytes);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
