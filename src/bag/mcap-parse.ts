/** Parses MCAP record bodies (the bytes after opcode and length) into plain objects. */
import { Opcode } from "./mcap-constants";
import type { McapRecord } from "./mcap-types";

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Little-endian cursor over one record body; every read checks the bounds and says which field. */
export class ByteCursor {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;
  readonly #what: string;

  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#bytes.byteLength - this.#offset;
  }

  #need(size: number, field: string): number {
    if (this.#offset + size > this.#bytes.byteLength) {
      throw new RangeError(
        `${this.#what}: field ${field} needs ${size} bytes at offset ${this.#offset}, the record has ${this.remaining} left`,
      );
    }
    const at = this.#offset;
    this.#offset += size;
    return at;
  }

  uint8(field: string): number {
    return this.#view.getUint8(this.#need(1, field));
  }
  uint16(field: string): number {
    return this.#view.getUint16(this.#need(2, field), true);
  }
  uint32(field: string): number {
    return this.#view.getUint32(this.#need(4, field), true);
  }
  uint64(field: string): bigint {
    return this.#view.getBigUint64(this.#need(8, field), true);
  }
  string(field: string): string {
    const length = this.uint32(field);
    const at = this.#need(length, field);
    return decoder.decode(this.#bytes.subarray(at, at + length));
  }
  /** Bytes with a uint32 length prefix (a view, not a copy). */
  bytes32(field: string): Uint8Array {
    const length = this.uint32(field);
    const at = this.#need(length, field);
    return this.#bytes.subarray(at, at + length);
  }
  /** Bytes with a uint64 length prefix (a view, not a copy). */
  bytes64(field: string): Uint8Array {
    const length = this.uint64(field);
    if (length > BigInt(this.remaining)) {
      throw new RangeError(
        `${this.#what}: field ${field} declares ${length} bytes, the record has ${this.remaining}`,
      );
    }
    const at = this.#need(Number(length), field);
    return this.#bytes.subarray(at, at + Number(length));
  }
  /** The rest of the record (a view). */
  rest(): Uint8Array {
    const at = this.#offset;
    this.#offset = this.#bytes.byteLength;
    return this.#bytes.subarray(at);
  }
  /** A map with a uint32 byte-length prefix; `entry` reads one key/value pair. */
  map<K, V>(field: string, entry: (c: ByteCursor) => [K, V]): Map<K, V> {
    const body = this.bytes32(field);
    const inner = new ByteCursor(body, `${this.#what} ${field}`);
    const out = new Map<K, V>();
    while (inner.remaining > 0) {
      const [k, v] = entry(inner);
      out.set(k, v);
    }
    return out;
  }
}

const stringMap = (c: ByteCursor): [string, string] => [c.string("key"), c.string("value")];

/**
 * Parses one record body. Unknown opcodes (and attachments, which this package does not use) come
 * back as `Other` so readers can skip them as the spec asks.
 */
export function parseRecord(opcode: number, body: Uint8Array): McapRecord {
  const c = new ByteCursor(body, `MCAP ${Opcode[opcode] ?? `opcode 0x${opcode.toString(16)}`} record`);
  switch (opcode) {
    case Opcode.Header:
      return { kind: "Header", value: { profile: c.string("profile"), library: c.string("library") } };
    case Opcode.Footer:
      return {
        kind: "Footer",
        value: {
          summaryStart: c.uint64("summary_start"),
          summaryOffsetStart: c.uint64("summary_offset_start"),
          summaryCrc: c.uint32("summary_crc"),
        },
      };
    case Opcode.Schema: {
      const id = c.uint16("id");
      const name = c.string("name");
      const encoding = c.string("encoding");
      return { kind: "Schema", value: { id, name, encoding, data: c.bytes32("data") } };
    }
    case Opcode.Channel: {
      const id = c.uint16("id");
      const schemaId = c.uint16("schema_id");
      const topic = c.string("topic");
      const messageEncoding = c.string("message_encoding");
      return {
        kind: "Channel",
        value: { id, schemaId, topic, messageEncoding, metadata: c.map("metadata", stringMap) },
      };
    }
    case Opcode.Message: {
      const channelId = c.uint16("channel_id");
      const sequence = c.uint32("sequence");
      const logTime = c.uint64("log_time");
      const publishTime = c.uint64("publish_time");
      return { kind: "Message", value: { channelId, sequence, logTime, publishTime, data: c.rest() } };
    }
    case Opcode.Chunk: {
      const messageStartTime = c.uint64("message_start_time");
      const messageEndTime = c.uint64("message_end_time");
      const uncompressedSize = c.uint64("uncompressed_size");
      const uncompressedCrc = c.uint32("uncompressed_crc");
      const compression = c.string("compression");
      return {
        kind: "Chunk",
        value: {
          messageStartTime,
          messageEndTime,
          uncompressedSize,
          uncompressedCrc,
          compression,
          records: c.bytes64("records"),
        },
      };
    }
    case Opcode.MessageIndex: {
      const channelId = c.uint16("channel_id");
      const body2 = c.bytes32("records");
      const inner = new ByteCursor(body2, "MCAP MessageIndex records");
      const records: (readonly [bigint, bigint])[] = [];
      while (inner.remaining > 0) records.push([inner.uint64("log_time"), inner.uint64("offset")]);
      return { kind: "MessageIndex", value: { channelId, records } };
    }
    case Opcode.ChunkIndex:
      return {
        kind: "ChunkIndex",
        value: {
          messageStartTime: c.uint64("message_start_time"),
          messageEndTime: c.uint64("message_end_time"),
          chunkStartOffset: c.uint64("chunk_start_offset"),
          chunkLength: c.uint64("chunk_length"),
          messageIndexOffsets: c.map("message_index_offsets", (m) => [
            m.uint16("channel_id"),
            m.uint64("offset"),
          ]),
          messageIndexLength: c.uint64("message_index_length"),
          compression: c.string("compression"),
          compressedSize: c.uint64("compressed_size"),
          uncompressedSize: c.uint64("uncompressed_size"),
        },
      };
    case Opcode.Statistics:
      return {
        kind: "Statistics",
        value: {
          messageCount: c.uint64("message_count"),
          schemaCount: c.uint16("schema_count"),
          channelCount: c.uint32("channel_count"),
          attachmentCount: c.uint32("attachment_count"),
          metadataCount: c.uint32("metadata_count"),
          chunkCount: c.uint32("chunk_count"),
          messageStartTime: c.uint64("message_start_time"),
          messageEndTime: c.uint64("message_end_time"),
          channelMessageCounts: c.map("channel_message_counts", (m) => [
            m.uint16("channel_id"),
            m.uint64("count"),
          ]),
        },
      };
    case Opcode.Metadata:
      return { kind: "Metadata", value: { name: c.string("name"), metadata: c.map("metadata", stringMap) } };
    case Opcode.MetadataIndex:
      return {
        kind: "MetadataIndex",
        value: { offset: c.uint64("offset"), length: c.uint64("length"), name: c.string("name") },
      };
    case Opcode.SummaryOffset:
      return {
        kind: "SummaryOffset",
        value: {
          groupOpcode: c.uint8("group_opcode"),
          groupStart: c.uint64("group_start"),
          groupLength: c.uint64("group_length"),
        },
      };
    case Opcode.DataEnd:
      return { kind: "DataEnd", value: { dataSectionCrc: c.uint32("data_section_crc") } };
    default:
      return { kind: "Other", opcode };
  }
}

/** One record found in a buffer of records: its opcode, body and position. */
export interface RawRecord {
  readonly opcode: number;
  readonly body: Uint8Array;
  /** Offset of the opcode byte within the buffer. */
  readonly offset: number;
}

/**
 * Walks a buffer of consecutive records (a chunk's contents, a summary section). Stops at the first
 * record that does not fit and reports where, so callers can use every complete record.
 */
export function* iterateRecords(
  buffer: Uint8Array,
  onIncomplete?: (offset: number, declared: bigint) => void,
): Generator<RawRecord> {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let offset = 0;
  while (offset < buffer.byteLength) {
    if (offset + 9 > buffer.byteLength) {
      onIncomplete?.(offset, -1n);
      return;
    }
    const opcode = buffer[offset];
    const length = view.getBigUint64(offset + 1, true);
    if (length > BigInt(buffer.byteLength - offset - 9)) {
      onIncomplete?.(offset, length);
      return;
    }
    const start = offset + 9;
    const end = start + Number(length);
    yield { opcode, body: buffer.subarray(start, end), offset };
    offset = end;
  }
}
