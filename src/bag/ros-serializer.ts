/**
 * Decodes CDR messages into plain objects shaped like rclnodejs messages, and encodes them back,
 * driven by message definitions. Arrays of numbers become typed arrays (uint8[] a Uint8Array,
 * float32[] a Float32Array, ...), 64-bit integers bigint, so nothing loses precision and image
 * buffers are not boxed.
 */
import { CdrReader } from "./cdr-reader";
import { CdrWriter } from "./cdr-writer";
import type { MessageRegistry } from "./msg-registry";
import type { MsgField, MsgLiteral, PrimitiveType } from "./msgdef";

export type RosTypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** A decoded field value. */
export type RosValue = number | bigint | boolean | string | RosTypedArray | RosMessage | readonly RosValue[];

/** A decoded message: field name to value. */
export interface RosMessage {
  [field: string]: RosValue;
}

type TypedArrayCtor = {
  new (buffer: ArrayBuffer): RosTypedArray;
  new (length: number): RosTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

const TYPED: Partial<Record<PrimitiveType, TypedArrayCtor>> = {
  int8: Int8Array,
  uint8: Uint8Array,
  byte: Uint8Array,
  char: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

const SIZE: Record<PrimitiveType, number> = {
  bool: 1,
  byte: 1,
  char: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
  string: 4,
  wstring: 4,
};

/** Encodes and decodes messages of the types in a registry. */
/** How `decode` hands out byte arrays. */
export interface DecodeOptions {
  /**
   * uint8/byte/char arrays as views of the input instead of copies. For a caller that only reads
   * them while the input is alive and unchanged (a camera image converted at once): it saves a
   * camera-sized allocation and copy per frame, but a kept view pins the whole input buffer.
   */
  readonly borrowBytes?: boolean;
}

export class RosSerializer {
  readonly #registry: MessageRegistry;
  /** Set for the duration of one `decode` with `borrowBytes`. */
  #borrowBytes = false;

  constructor(registry: MessageRegistry) {
    this.#registry = registry;
  }

  get registry(): MessageRegistry {
    return this.#registry;
  }

  /**
   * Decodes CDR bytes of `typeName`. `T` is the caller's view of the shape (not checked beyond
   * what the definition says). Throws naming the type and field when the bytes are short.
   */
  decode<T = RosMessage>(typeName: string, data: Uint8Array, options: DecodeOptions = {}): T {
    const reader = new CdrReader(data);
    this.#borrowBytes = options.borrowBytes === true;
    try {
      return this.#readMessage(reader, typeName) as T;
    } catch (err) {
      throw new Error(`cannot decode ${typeName} (${data.byteLength} bytes): ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      this.#borrowBytes = false;
    }
  }

  /** Encodes a message object of `typeName` to CDR. Missing fields take their default or zero. */
  encode(typeName: string, message: object): Uint8Array {
    const writer = new CdrWriter(estimateSize(message));
    try {
      this.#writeMessage(writer, typeName, message as Record<string, unknown>, typeName);
    } catch (err) {
      throw new Error(`cannot encode ${typeName}: ${(err as Error).message}`, { cause: err });
    }
    return writer.data;
  }

  #readMessage(reader: CdrReader, typeName: string): RosMessage {
    const def = this.#registry.get(typeName);
    const out: RosMessage = {};
    for (const field of def.fields) {
      out[field.name] = this.#readField(reader, field);
    }
    return out;
  }

  #readField(reader: CdrReader, field: MsgField): RosValue {
    if (!field.isArray) return this.#readOne(reader, field.type);
    const count = field.arrayLength ?? reader.sequenceLength();
    const ctor = field.isComplex ? undefined : TYPED[field.type as PrimitiveType];
    if (ctor === Uint8Array && this.#borrowBytes) return reader.bytesView(count);
    if (ctor) {
      const buffer = reader.elementBytes(count, ctor.BYTES_PER_ELEMENT);
      return new ctor(buffer);
    }
    const items: RosValue[] = [];
    for (let i = 0; i < count; i++) items.push(this.#readOne(reader, field.type));
    return items;
  }

  #readOne(reader: CdrReader, type: string): RosValue {
    switch (type as PrimitiveType) {
      case "bool":
        return reader.uint8() !== 0;
      case "byte":
      case "char":
      case "uint8":
        return reader.uint8();
      case "int8":
        return reader.int8();
      case "int16":
        return reader.int16();
      case "uint16":
        return reader.uint16();
      case "int32":
        return reader.int32();
      case "uint32":
        return reader.uint32();
      case "int64":
        return reader.int64();
      case "uint64":
        return reader.uint64();
      case "float32":
        return reader.float32();
      case "float64":
        return reader.float64();
      case "string":
        return reader.string();
      case "wstring":
        return reader.wstring();
      default:
        return this.#readMessage(reader, type);
    }
  }

  #writeMessage(writer: CdrWriter, typeName: string, message: Record<string, unknown>, path: string): void {
    if (message === null || typeof message !== "object") {
      throw new Error(`${path}: expected an object of ${typeName}, got ${describe(message)}`);
    }
    const def = this.#registry.get(typeName);
    for (const field of def.fields) {
      const value = message[field.name];
      this.#writeField(
        writer,
        field,
        value === undefined ? field.defaultValue : value,
        `${path}.${field.name}`,
      );
    }
  }

  #writeField(writer: CdrWriter, field: MsgField, value: unknown, path: string): void {
    if (!field.isArray) {
      this.#writeOne(writer, field.type, value, path, field.stringUpperBound);
      return;
    }
    const items = value === undefined ? [] : value;
    if (!ArrayBuffer.isView(items) && !Array.isArray(items)) {
      throw new Error(`${path}: expected an array, got ${describe(items)}`);
    }
    const length = (items as ArrayLike<unknown>).length;
    if (field.arrayLength !== undefined && length !== field.arrayLength) {
      throw new Error(`${path}: expected exactly ${field.arrayLength} elements, got ${length}`);
    }
    if (field.arrayUpperBound !== undefined && length > field.arrayUpperBound) {
      throw new Error(`${path}: expected at most ${field.arrayUpperBound} elements, got ${length}`);
    }
    if (field.arrayLength === undefined) writer.sequenceLength(length);
    const ctor = field.isComplex ? undefined : TYPED[field.type as PrimitiveType];
    if (ctor) {
      const typed = items instanceof ctor ? items : toTyped(ctor, items as ArrayLike<unknown>, path);
      writer.elementBytes(typed, ctor.BYTES_PER_ELEMENT);
      return;
    }
    const list = items as ArrayLike<unknown>;
    for (let i = 0; i < length; i++)
      this.#writeOne(writer, field.type, list[i], `${path}[${i}]`, field.stringUpperBound);
  }

  #writeOne(writer: CdrWriter, type: string, value: unknown, path: string, stringBound?: number): void {
    const prim = type as PrimitiveType;
    if (!(prim in SIZE)) {
      this.#writeMessage(writer, type, (value ?? {}) as Record<string, unknown>, path);
      return;
    }
    switch (prim) {
      case "bool":
        writer.uint8(value ? 1 : 0);
        return;
      case "string":
      case "wstring": {
        const s = value ?? "";
        if (typeof s !== "string") throw new Error(`${path}: expected a string, got ${describe(s)}`);
        if (stringBound !== undefined && [...s].length > stringBound) {
          throw new Error(`${path}: expected at most ${stringBound} characters, got ${[...s].length}`);
        }
        if (prim === "string") writer.string(s);
        else writer.wstring(s);
        return;
      }
      case "int64":
        writer.int64(toBigInt(value, path));
        return;
      case "uint64":
        writer.uint64(toBigInt(value, path));
        return;
      default: {
        const n = toNumber(value, path);
        switch (prim) {
          case "int8":
            writer.int8(n);
            return;
          case "byte":
          case "char":
          case "uint8":
            writer.uint8(n);
            return;
          case "int16":
            writer.int16(n);
            return;
          case "uint16":
            writer.uint16(n);
            return;
          case "int32":
            writer.int32(n);
            return;
          case "uint32":
            writer.uint32(n);
            return;
          case "float32":
            writer.float32(n);
            return;
          case "float64":
            writer.float64(n);
            return;
        }
      }
    }
  }
}

function toNumber(value: unknown, path: string): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new Error(`${path}: expected a number, got ${describe(value)}`);
}

function toBigInt(value: unknown, path: string): bigint {
  if (value === undefined) return 0n;
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  throw new Error(`${path}: expected an integer (bigint or number), got ${describe(value)}`);
}

function toTyped(ctor: TypedArrayCtor, items: ArrayLike<unknown>, path: string): RosTypedArray {
  const out = new ctor(items.length);
  const isBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (let i = 0; i < items.length; i++) {
    (out as unknown as Record<number, number | bigint>)[i] = isBig
      ? toBigInt(items[i], `${path}[${i}]`)
      : toNumber(items[i], `${path}[${i}]`);
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** A rough size guess so large images do not make the buffer grow many times. */
function estimateSize(message: object): number {
  let size = 256;
  for (const value of Object.values(message)) {
    if (ArrayBuffer.isView(value)) size += value.byteLength + 8;
  }
  return size;
}

/** Re-exported for callers that build default messages. */
export type { MsgLiteral };
