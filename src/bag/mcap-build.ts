/** Serializes MCAP records into bytes, the inverse of `mcap-parse`. */
import { Opcode } from "./mcap-constants";
import type {
  McapChannel,
  McapChunkIndex,
  McapMessage,
  McapMetadata,
  McapSchema,
  McapStatistics,
  McapSummaryOffset,
} from "./mcap-types";

const encoder = new TextEncoder();

/**
 * Growable little-endian byte buffer. Used both for a chunk's records (appended message by
 * message) and for the small records written straight to the file.
 */
export class ByteBuilder {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(capacity = 1024) {
    this.#buffer = new Uint8Array(Math.max(capacity, 64));
    this.#view = new DataView(this.#buffer.buffer);
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes written so far (a view; valid until the next write or `reset`). */
  get bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** Empties the buffer but keeps its memory for the next chunk. */
  reset(): void {
    this.#length = 0;
  }

  #ensure(extra: number): number {
    const needed = this.#length + extra;
    if (needed > this.#buffer.byteLength) {
      let capacity = this.#buffer.byteLength * 2;
      while (capacity < needed) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#length;
    this.#length = needed;
    return at;
  }

  uint8(v: number): this {
    const at = this.#ensure(1); // before reading #view: growing replaces it
    this.#view.setUint8(at, v);
    return this;
  }
  uint16(v: number): this {
    const at = this.#ensure(2); // before reading #view: growing replaces it
    this.#view.setUint16(at, v, true);
    return this;
  }
  uint32(v: number): this {
    const at = this.#ensure(4); // before reading #view: growing replaces it
    this.#view.setUint32(at, v, true);
    return this;
  }
  uint64(v: bigint): this {
    const at = this.#ensure(8); // before reading #view: growing replaces it
    this.#view.setBigUint64(at, v, true);
    return this;
  }
  raw(bytes: Uint8Array): this {
    const at = this.#ensure(bytes.byteLength);
    this.#buffer.set(bytes, at);
    return this;
  }
  string(s: string): this {
    const bytes = encoder.encode(s);
    return this.uint32(bytes.byteLength).raw(bytes);
  }
  bytes32(bytes: Uint8Array): this {
    return this.uint32(bytes.byteLength).raw(bytes);
  }
  /** Writes a map with a uint32 byte-length prefix. */
  map<K, V>(entries: ReadonlyMap<K, V>, write: (b: ByteBuilder, k: K, v: V) => void): this {
    const lengthAt = this.#ensure(4);
    const start = this.#length;
    for (const [k, v] of entries) write(this, k, v);
    this.#view.setUint32(lengthAt, this.#length - start, true);
    return this;
  }
  /** Starts a record; returns a function that fills in its length once the body is written. */
  begin(opcode: Opcode): () => void {
    this.uint8(opcode);
    const lengthAt = this.#ensure(8);
    const start = this.#length;
    return () => this.#view.setBigUint64(lengthAt, BigInt(this.#length - start), true);
  }
}

const stringPair = (b: ByteBuilder, k: string, v: string): void => void b.string(k).string(v);

export function writeHeader(b: ByteBuilder, profile: string, library: string): void {
  const end = b.begin(Opcode.Header);
  b.string(profile).string(library);
  end();
}

export function writeSchema(b: ByteBuilder, s: McapSchema): void {
  const end = b.begin(Opcode.Schema);
  b.uint16(s.id).string(s.name).string(s.encoding).bytes32(s.data);
  end();
}

export function writeChannel(b: ByteBuilder, c: McapChannel): void {
  const end = b.begin(Opcode.Channel);
  b.uint16(c.id).uint16(c.schemaId).string(c.topic).string(c.messageEncoding).map(c.metadata, stringPair);
  end();
}

export function writeMessage(b: ByteBuilder, m: McapMessage): void {
  const end = b.begin(Opcode.Message);
  b.uint16(m.channelId).uint32(m.sequence).uint64(m.logTime).uint64(m.publishTime).raw(m.data);
  end();
}

/** The chunk record's header fields; the compressed records follow with `raw`. */
export function writeChunkPrefix(
  b: ByteBuilder,
  c: {
    messageStartTime: bigint;
    messageEndTime: bigint;
    uncompressedSize: bigint;
    uncompressedCrc: number;
    compression: string;
    compressedSize: number;
  },
): void {
  // Record length = fixed fields + compression string + uint64 records length + records.
  const compression = encoder.encode(c.compression);
  const bodyLength = 8 + 8 + 8 + 4 + 4 + compression.byteLength + 8 + c.compressedSize;
  b.uint8(Opcode.Chunk).uint64(BigInt(bodyLength));
  b.uint64(c.messageStartTime).uint64(c.messageEndTime).uint64(c.uncompressedSize).uint32(c.uncompressedCrc);
  b.uint32(compression.byteLength).raw(compression).uint64(BigInt(c.compressedSize));
}

export function writeMessageIndex(
  b: ByteBuilder,
  channelId: number,
  records: readonly (readonly [bigint, bigint])[],
): void {
  const end = b.begin(Opcode.MessageIndex);
  b.uint16(channelId).uint32(records.length * 16);
  for (const [time, offset] of records) b.uint64(time).uint64(offset);
  end();
}

export function writeChunkIndex(b: ByteBuilder, c: McapChunkIndex): void {
  const end = b.begin(Opcode.ChunkIndex);
  b.uint64(c.messageStartTime).uint64(c.messageEndTime).uint64(c.chunkStartOffset).uint64(c.chunkLength);
  b.map(c.messageIndexOffsets, (bb, k, v) => void bb.uint16(k).uint64(v));
  b.uint64(c.messageIndexLength).string(c.compression).uint64(c.compressedSize).uint64(c.uncompressedSize);
  end();
}

export function writeStatistics(b: ByteBuilder, s: McapStatistics): void {
  const end = b.begin(Opcode.Statistics);
  b.uint64(s.messageCount).uint16(s.schemaCount).uint32(s.channelCount).uint32(s.attachmentCount);
  b.uint32(s.metadataCount).uint32(s.chunkCount).uint64(s.messageStartTime).uint64(s.messageEndTime);
  b.map(s.channelMessageCounts, (bb, k, v) => void bb.uint16(k).uint64(v));
  end();
}

export function writeMetadata(b: ByteBuilder, m: McapMetadata): void {
  const end = b.begin(Opcode.Metadata);
  b.string(m.name).map(m.metadata, stringPair);
  end();
}

export function writeMetadataIndex(b: ByteBuilder, offset: bigint, length: bigint, name: string): void {
  const end = b.begin(Opcode.MetadataIndex);
  b.uint64(offset).uint64(length).string(name);
  end();
}

export function writeSummaryOffset(b: ByteBuilder, s: McapSummaryOffset): void {
  const end = b.begin(Opcode.SummaryOffset);
  b.uint8(s.groupOpcode).uint64(s.groupStart).uint64(s.groupLength);
  end();
}

export function writeDataEnd(b: ByteBuilder, crc: number): void {
  const end = b.begin(Opcode.DataEnd);
  b.uint32(crc);
  end();
}
