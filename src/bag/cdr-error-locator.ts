/**
 * Finds which field a failed decode ran out of data in. `@foxglove/rosmsg2-serialization` only
 * says "Offset is outside the bounds of the DataView"; a user needs the type and field. Runs only
 * after a decode has failed, so it simply walks the definition field by field over the offsets.
 */
import type { MessageRegistry } from "./msg-registry";
import type { MsgField } from "./msgdef";

const SIZE: Readonly<Record<string, number>> = {
  bool: 1,
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
};

/** An error naming the field and type where `data` ends too early, or undefined if none does. */
export function locateDecodeError(
  registry: MessageRegistry,
  typeName: string,
  data: Uint8Array,
): Error | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = (data[1] & 1) === 1;
  const maxAlign = data[1] >= 6 ? 4 : 8; // XCDR2 aligns 8-byte values to 4
  let offset = 4;
  /** Aligns and claims `size` bytes, or throws naming the field. */
  const take = (size: number, path: string, what: string, alignTo = size): number => {
    const a = Math.min(Math.max(alignTo, 1), maxAlign);
    offset += (a - ((offset - 4) % a)) % a;
    if (offset + size > data.byteLength) {
      throw new Error(
        `${path}: ${what} at offset ${offset} runs past the end of the data (${data.byteLength} bytes)`,
      );
    }
    const at = offset;
    offset += size;
    return at;
  };
  const readOne = (field: MsgField, path: string): void => {
    if (field.isComplex) return walk(field.type, path);
    const size = SIZE[field.type];
    if (size === undefined) throw new Error(`${path}: unsupported type ${field.type}`);
    const at = take(size, path, field.type);
    if (field.type === "string") take(view.getUint32(at, little), path, "string", 1);
  };
  const walk = (type: string, path: string): void => {
    for (const field of registry.get(type).fields) {
      const fieldPath = `${path}.${field.name}`;
      if (!field.isArray) {
        readOne(field, fieldPath);
        continue;
      }
      const count = field.arrayLength ?? view.getUint32(take(4, fieldPath, "sequence length"), little);
      const size = field.isComplex || field.type === "string" ? undefined : SIZE[field.type];
      if (size !== undefined) take(count * size, fieldPath, `${count} elements of ${field.type}`, size);
      else for (let i = 0; i < count; i++) readOne(field, `${fieldPath}[${i}]`);
    }
  };
  try {
    walk(typeName, registry.get(typeName).name);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}
