/**
 * Decodes CDR messages into plain objects shaped like rclnodejs messages, and encodes them back,
 * by type name. The bytes are read and written by `@foxglove/rosmsg2-serialization`; this facade
 * adds what it lacks and the project relies on: errors that name the type and field, refusal of
 * wrongly typed fields and wrong lengths when encoding (the library writes 0 or the wrong count),
 * and decoded arrays that own their memory (the library returns views into the input, which may
 * be a reader's reused chunk buffer). Arrays of numbers become typed arrays (uint8[] a
 * Uint8Array, float32[] a Float32Array, ...), 64-bit integers bigint.
 */
import { MessageReader, MessageWriter } from "@foxglove/rosmsg2-serialization";
import { locateDecodeError } from "./cdr-error-locator";
import "./cdr-string-patch";
import type { MessageRegistry } from "./msg-registry";
import type { MsgLiteral } from "./msgdef";
import { checkedMessage } from "./ros-message-check";

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

/** Encapsulation kinds accepted (the second header byte): XCDR1 and XCDR2, either byte order. */
const KINDS: ReadonlySet<number> = new Set([0x00, 0x01, 0x06, 0x07]);

/** How `decode` hands out byte arrays. */
export interface DecodeOptions {
  /**
   * uint8/byte/char arrays as views of the input instead of copies. For a caller that only reads
   * them while the input is alive and unchanged (a camera image converted at once): it saves a
   * camera-sized allocation and copy per frame, but a kept view pins the whole input buffer.
   */
  readonly borrowBytes?: boolean;
}

/** Encodes and decodes messages of the types in a registry. */
export class RosSerializer {
  readonly #registry: MessageRegistry;
  readonly #readers = new Map<string, MessageReader>();
  readonly #writers = new Map<string, MessageWriter>();
  #revision = -1;

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
    try {
      checkHeader(data);
      const reader = this.#cached(this.#readers, typeName, (defs) => new MessageReader(defs));
      let message: RosMessage;
      try {
        message = reader.readMessage<RosMessage>(data);
      } catch (err) {
        throw locateDecodeError(this.#registry, typeName, data) ?? err;
      }
      // The library reads past the end of `data` when its buffer goes on (a message in a chunk).
      if (reader.lastReadByteLength() > data.byteLength) {
        throw locateDecodeError(this.#registry, typeName, data) ?? new Error("the data ends too early");
      }
      return ownArrays(message, options.borrowBytes === true) as T;
    } catch (err) {
      throw new Error(`cannot decode ${typeName} (${data.byteLength} bytes): ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Encodes a message object of `typeName` to CDR. Missing fields take their default or zero. */
  encode(typeName: string, message: object): Uint8Array {
    try {
      const checked = checkedMessage(this.#registry, typeName, message, typeName);
      return this.#cached(this.#writers, typeName, (defs) => new MessageWriter(defs)).writeMessage(checked);
    } catch (err) {
      throw new Error(`cannot encode ${typeName}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The library's reader or writer for a type, rebuilt when the registry has changed. */
  #cached<V>(
    cache: Map<string, V>,
    typeName: string,
    build: (defs: ReturnType<MessageRegistry["libraryDefinitions"]>) => V,
  ): V {
    if (this.#revision !== this.#registry.revision) {
      this.#readers.clear();
      this.#writers.clear();
      this.#revision = this.#registry.revision;
    }
    let value = cache.get(typeName);
    if (value === undefined) {
      value = build(this.#registry.libraryDefinitions(typeName));
      cache.set(typeName, value);
    }
    return value;
  }
}

function checkHeader(data: Uint8Array): void {
  if (data.byteLength < 4) {
    throw new Error(
      `CDR data: expected at least a 4-byte encapsulation header, got ${data.byteLength} bytes`,
    );
  }
  if (data[0] !== 0 || !KINDS.has(data[1])) {
    const hex = [...data.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new Error(
      `CDR data: unsupported encapsulation header ${hex}, expected 00 01 00 00 (XCDR1 little-endian)`,
    );
  }
}

/**
 * Replaces the library's views into the input by copies, in place in the fresh decoded object;
 * with `borrowBytes`, byte arrays stay views (DecodeOptions).
 */
function ownArrays(message: RosMessage, borrowBytes: boolean): RosMessage {
  for (const key of Object.keys(message)) {
    const value = message[key];
    if (ArrayBuffer.isView(value)) {
      if (!(borrowBytes && value instanceof Uint8Array)) message[key] = value.slice();
    } else if (Array.isArray(value)) value.forEach((item) => isMessage(item) && ownArrays(item, borrowBytes));
    else if (isMessage(value)) ownArrays(value, borrowBytes);
  }
  return message;
}

function isMessage(value: unknown): value is RosMessage {
  return typeof value === "object" && value !== null && !ArrayBuffer.isView(value) && !Array.isArray(value);
}

/** Re-exported for callers that build default messages. */
export type { MsgLiteral };
