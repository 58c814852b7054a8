/**
 * Checks a message object against its definition before `@foxglove/rosmsg2-serialization` writes
 * it, and returns the object in the exact shape the library writes without guessing: defaults
 * filled in, numbers as numbers, 64-bit integers as bigint, numeric arrays as the matching typed
 * array. The library itself writes 0 for a wrongly typed field and silently pads or cuts arrays;
 * here such a field is refused with its path (`sensor_msgs/msg/Image.header.frame_id: expected a
 * string, got number`). The caller's object is never changed; large typed arrays pass through.
 */
import type { MessageRegistry } from "./msg-registry";
import type { MsgField } from "./msgdef";

type TypedArrayCtor = {
  new (length: number): ArrayLike<number | bigint> & { [i: number]: number | bigint };
};

const TYPED: Readonly<Record<string, TypedArrayCtor>> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The message ready for the library's writer; throws naming the field when it is wrong. */
export function checkedMessage(
  registry: MessageRegistry,
  typeName: string,
  message: unknown,
  path: string,
): Record<string, unknown> {
  if (
    message === null ||
    typeof message !== "object" ||
    Array.isArray(message) ||
    ArrayBuffer.isView(message)
  ) {
    throw new Error(`${path}: expected an object of ${typeName}, got ${describe(message)}`);
  }
  const source = message as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of registry.get(typeName).fields) {
    const value = source[field.name] === undefined ? field.defaultValue : source[field.name];
    const at = `${path}.${field.name}`;
    out[field.name] = field.isArray
      ? checkedArray(registry, field, value, at)
      : checkedOne(registry, field, value, at);
  }
  return out;
}

function checkedArray(registry: MessageRegistry, field: MsgField, value: unknown, path: string): unknown {
  const items = value === undefined ? [] : value;
  if (!ArrayBuffer.isView(items) && !Array.isArray(items)) {
    throw new Error(`${path}: expected an array, got ${describe(items)}`);
  }
  const list = items as ArrayLike<unknown>;
  if (field.arrayLength !== undefined && list.length !== field.arrayLength) {
    throw new Error(`${path}: expected exactly ${field.arrayLength} elements, got ${list.length}`);
  }
  if (field.arrayUpperBound !== undefined && list.length > field.arrayUpperBound) {
    throw new Error(`${path}: expected at most ${field.arrayUpperBound} elements, got ${list.length}`);
  }
  const ctor = field.isComplex ? undefined : TYPED[field.type];
  if (ctor !== undefined) {
    if (items instanceof ctor) return items;
    const typed = new ctor(list.length);
    for (let i = 0; i < list.length; i++)
      typed[i] = checkedOne(registry, field, list[i], `${path}[${i}]`) as number;
    return typed;
  }
  return Array.from(list, (item, i) => checkedOne(registry, field, item, `${path}[${i}]`));
}

function checkedOne(registry: MessageRegistry, field: MsgField, value: unknown, path: string): unknown {
  if (field.isComplex) return checkedMessage(registry, field.type, value ?? {}, path);
  switch (field.type) {
    case "bool":
      return Boolean(value);
    case "string":
    case "wstring": {
      const s = value ?? "";
      if (typeof s !== "string") throw new Error(`${path}: expected a string, got ${describe(s)}`);
      const bound = field.stringUpperBound;
      if (bound !== undefined && [...s].length > bound) {
        throw new Error(`${path}: expected at most ${bound} characters, got ${[...s].length}`);
      }
      return s;
    }
    case "int64":
    case "uint64":
      return toBigInt(value, path);
    default:
      return toNumber(value, path);
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

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}
