/**
 * Streaming MCAP writer. Messages are collected into one chunk in memory (bounded by
 * `chunkSize`), then compressed and appended to the file with their message indexes; the summary
 * (schemas, channels, statistics, chunk indexes, metadata indexes, summary offsets) and the footer
 * with its CRC are written by `close()`, which may be called at any time to get a valid file.
 */
import * as fs from "node:fs";
import { CRC32_INIT, crc32, crc32Final, crc32Update } from "./crc32";
import { type ChunkCompression, compressChunk, initCompression } from "./mcap-compression";
import { MCAP_MAGIC, Opcode } from "./mcap-constants";
import {
  ByteBuilder,
  writeChannel,
  writeChunkIndex,
  writeChunkPrefix,
  writeDataEnd,
  writeHeader,
  writeMessage,
  writeMessageIndex,
  writeMetadata,
  writeMetadataIndex,
  writeSchema,
  writeStatistics,
  writeSummaryOffset,
} from "./mcap-build";
import type { McapChannel, McapChunkIndex, McapSchema } from "./mcap-types";

export interface McapWriterOptions {
  /** Header profile; `ros2` for rosbag2. */
  readonly profile?: string;
  /** Header library string, naming the writer. */
  readonly library?: string;
  /** Chunk compression, default `zstd`. */
  readonly compression?: ChunkCompression;
  /** Uncompressed bytes of records after which a chunk is written, default 4 MiB. */
  readonly chunkSize?: number;
  /** zstd level, default 3. */
  readonly zstdLevel?: number;
}

/** What `addMessage` takes. `sequence` and `publishTime` default to 0 and the log time. */
export interface McapMessageInput {
  readonly channelId: number;
  readonly logTime: bigint;
  readonly publishTime?: bigint;
  readonly sequence?: number;
  readonly data: Uint8Array;
}

/** A full chunk waiting to be written. */
interface SealedChunk {
  /** The builder that holds `records`; it is reused for a later chunk once they are written. */
  readonly builder: ByteBuilder;
  readonly records: Uint8Array;
  readonly index: Map<number, [bigint, bigint][]>;
  readonly start: bigint;
  readonly end: bigint;
}

const DEFAULTS = {
  profile: "ros2",
  library: "visualbackprop",
  compression: "zstd" as ChunkCompression,
  chunkSize: 4 << 20,
  zstdLevel: 3,
};

/** Writes one MCAP file, appending to a file descriptor as it goes. */
export class McapWriter {
  readonly #fh: fs.promises.FileHandle;
  readonly #path: string;
  readonly #compression: ChunkCompression;
  readonly #chunkSize: number;
  readonly #zstdLevel: number;
  #position = 0;
  #dataCrc = CRC32_INIT;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  #failure: Error | undefined;

  readonly #schemas: McapSchema[] = [];
  readonly #channels = new Map<number, McapChannel>();
  readonly #chunkIndexes: McapChunkIndex[] = [];
  readonly #metadataIndexes: { offset: bigint; length: bigint; name: string }[] = [];
  readonly #channelCounts = new Map<number, bigint>();
  #messageCount = 0n;
  #startTime: bigint | undefined;
  #endTime: bigint | undefined;

  #chunk = new ByteBuilder(64 * 1024);
  /**
   * A written chunk's builder, kept for the next chunk: a new one per chunk would allocate, fault
   * in and, when the last message overshoots chunkSize, regrow and copy megabytes per chunk.
   */
  #spareChunk: ByteBuilder | undefined;
  #chunkIndex = new Map<number, [bigint, bigint][]>();
  #chunkStart: bigint | undefined;
  #chunkEnd: bigint | undefined;
  readonly #scratch = new ByteBuilder(4096);

  private constructor(fh: fs.promises.FileHandle, path: string, options: McapWriterOptions) {
    this.#fh = fh;
    this.#path = path;
    this.#compression = options.compression ?? DEFAULTS.compression;
    this.#chunkSize = options.chunkSize ?? DEFAULTS.chunkSize;
    this.#zstdLevel = options.zstdLevel ?? DEFAULTS.zstdLevel;
    if (!Number.isInteger(this.#chunkSize) || this.#chunkSize <= 0) {
      throw new Error(`MCAP writer: chunkSize must be a positive integer, got ${String(options.chunkSize)}`);
    }
  }

  /**
   * Creates `path` (which must not exist: an existing file is never overwritten) and writes the
   * magic and header.
   */
  static async create(path: string, options: McapWriterOptions = {}): Promise<McapWriter> {
    const compression = options.compression ?? DEFAULTS.compression;
    if (!["", "zstd", "lz4"].includes(compression)) {
      throw new Error(`MCAP writer: unsupported compression "${compression}", expected "", "zstd" or "lz4"`);
    }
    await initCompression();
    const fh = await fs.promises.open(path, "wx");
    const writer = new McapWriter(fh, path, options);
    const b = new ByteBuilder();
    b.raw(MCAP_MAGIC);
    writeHeader(b, options.profile ?? DEFAULTS.profile, options.library ?? DEFAULTS.library);
    await writer.#write(b.bytes, true);
    return writer;
  }

  get path(): string {
    return this.#path;
  }

  /** Messages accepted so far. */
  get messageCount(): bigint {
    return this.#messageCount;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Registers a schema and writes its record; returns its id (1, 2, ...). */
  addSchema(schema: { name: string; encoding: string; data: Uint8Array }): Promise<number> {
    const id = this.#schemas.length + 1;
    const record: McapSchema = {
      id,
      name: schema.name,
      encoding: schema.encoding,
      data: schema.data.slice(),
    };
    this.#checkOpen("addSchema");
    this.#schemas.push(record);
    return this.#enqueue(async () => {
      this.#scratch.reset();
      writeSchema(this.#scratch, record);
      await this.#write(this.#scratch.bytes, true);
    }).then(() => id);
  }

  /** Registers a channel and writes its record; returns its id (1, 2, ...). */
  addChannel(channel: {
    schemaId: number;
    topic: string;
    messageEncoding: string;
    metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  }): Promise<number> {
    this.#checkOpen("addChannel");
    if (channel.schemaId !== 0 && !this.#schemas.some((s) => s.id === channel.schemaId)) {
      throw new Error(
        `MCAP writer: channel ${channel.topic} refers to schema ${channel.schemaId}, which was not added`,
      );
    }
    const id = this.#channels.size + 1;
    const metadata =
      channel.metadata instanceof Map
        ? new Map(channel.metadata)
        : new Map(Object.entries(channel.metadata ?? {}));
    const record: McapChannel = {
      id,
      schemaId: channel.schemaId,
      topic: channel.topic,
      messageEncoding: channel.messageEncoding,
      metadata,
    };
    this.#channels.set(id, record);
    this.#channelCounts.set(id, 0n);
    return this.#enqueue(async () => {
      this.#scratch.reset();
      writeChannel(this.#scratch, record);
      await this.#write(this.#scratch.bytes, true);
    }).then(() => id);
  }

  /** Writes a Metadata record (rosbag2 stores `ROS_DISTRO` this way). */
  addMetadata(name: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    this.#checkOpen("addMetadata");
    const map = new Map(Object.entries(metadata));
    return this.#enqueue(async () => {
      this.#scratch.reset();
      writeMetadata(this.#scratch, { name, metadata: map });
      const offset = BigInt(this.#position);
      await this.#write(this.#scratch.bytes, true);
      this.#metadataIndexes.push({ offset, length: BigInt(this.#position) - offset, name });
    });
  }

  /**
   * Adds a message to the current chunk; writes the chunk when it is full. The data is copied into
   * the chunk, so the caller may reuse its buffer.
   */
  addMessage(message: McapMessageInput): Promise<void> {
    this.#checkOpen("addMessage");
    if (!this.#channels.has(message.channelId)) {
      throw new Error(`MCAP writer: message for channel ${message.channelId}, which was not added`);
    }
    if (message.logTime < 0n)
      throw new Error(`MCAP writer: log time must not be negative, got ${message.logTime}`);
    const offset = BigInt(this.#chunk.length);
    writeMessage(this.#chunk, {
      channelId: message.channelId,
      sequence: message.sequence ?? 0,
      logTime: message.logTime,
      publishTime: message.publishTime ?? message.logTime,
      data: message.data,
    });
    let index = this.#chunkIndex.get(message.channelId);
    if (!index) this.#chunkIndex.set(message.channelId, (index = []));
    index.push([message.logTime, offset]);
    const t = message.logTime;
    if (this.#chunkStart === undefined || t < this.#chunkStart) this.#chunkStart = t;
    if (this.#chunkEnd === undefined || t > this.#chunkEnd) this.#chunkEnd = t;
    if (this.#startTime === undefined || t < this.#startTime) this.#startTime = t;
    if (this.#endTime === undefined || t > this.#endTime) this.#endTime = t;
    this.#messageCount++;
    this.#channelCounts.set(message.channelId, (this.#channelCounts.get(message.channelId) ?? 0n) + 1n);
    if (this.#chunk.length < this.#chunkSize) return this.#tail;
    const sealed = this.#sealChunk();
    return this.#enqueue(() => this.#writeChunk(sealed));
  }

  /**
   * Writes the open chunk, the summary, the footer and the closing magic, then closes the file.
   * Safe to call at any point (for example on Ctrl-C) and more than once.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#tail;
    this.#closed = true;
    const sealed = this.#sealChunk();
    const finish = this.#tail
      .catch(() => undefined)
      .then(async () => {
        try {
          await this.#writeChunk(sealed);
          await this.#writeSummary();
          await this.#fh.datasync();
        } finally {
          await this.#fh.close();
        }
      });
    this.#tail = finish;
    return finish;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new Error(`MCAP writer ${this.#path}: ${what} after close()`);
    if (this.#failure)
      throw new Error(`MCAP writer ${this.#path}: an earlier write failed: ${this.#failure.message}`);
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.#tail.then(op);
    this.#tail = next.catch((err: unknown) => {
      this.#failure ??= err instanceof Error ? err : new Error(String(err));
    });
    return next;
  }

  async #write(bytes: Uint8Array, inDataSection: boolean): Promise<void> {
    let written = 0;
    while (written < bytes.byteLength) {
      const { bytesWritten } = await this.#fh.write(
        bytes,
        written,
        bytes.byteLength - written,
        this.#position + written,
      );
      written += bytesWritten;
    }
    if (inDataSection) this.#dataCrc = crc32Update(this.#dataCrc, bytes);
    this.#position += bytes.byteLength;
  }

  /** Takes the open chunk out of the writer, so new messages go to a fresh one while it is written. */
  #sealChunk(): SealedChunk | undefined {
    if (this.#chunk.length === 0 || this.#chunkStart === undefined || this.#chunkEnd === undefined)
      return undefined;
    const sealed: SealedChunk = {
      builder: this.#chunk,
      records: this.#chunk.bytes,
      index: this.#chunkIndex,
      start: this.#chunkStart,
      end: this.#chunkEnd,
    };
    this.#chunk = this.#spareChunk ?? new ByteBuilder(Math.min(this.#chunkSize + 1024, 64 << 20));
    this.#spareChunk = undefined;
    this.#chunkIndex = new Map();
    this.#chunkStart = undefined;
    this.#chunkEnd = undefined;
    return sealed;
  }

  async #writeChunk(sealed: SealedChunk | undefined): Promise<void> {
    if (!sealed) return;
    const { records } = sealed;
    const compressed = compressChunk(this.#compression, records, this.#zstdLevel);
    const chunkStart = this.#position;
    this.#scratch.reset();
    writeChunkPrefix(this.#scratch, {
      messageStartTime: sealed.start,
      messageEndTime: sealed.end,
      uncompressedSize: BigInt(records.byteLength),
      uncompressedCrc: crc32(records),
      compression: this.#compression,
      compressedSize: compressed.byteLength,
    });
    await this.#write(this.#scratch.bytes, true);
    await this.#write(compressed, true);
    const chunkLength = this.#position - chunkStart;

    this.#scratch.reset();
    const indexOffsets = new Map<number, bigint>();
    const indexStart = this.#position;
    for (const channelId of [...sealed.index.keys()].sort((a, b) => a - b)) {
      const entries = sealed.index.get(channelId) ?? [];
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      indexOffsets.set(channelId, BigInt(indexStart + this.#scratch.length));
      writeMessageIndex(this.#scratch, channelId, entries);
    }
    await this.#write(this.#scratch.bytes, true);
    this.#chunkIndexes.push({
      messageStartTime: sealed.start,
      messageEndTime: sealed.end,
      chunkStartOffset: BigInt(chunkStart),
      chunkLength: BigInt(chunkLength),
      messageIndexOffsets: indexOffsets,
      messageIndexLength: BigInt(this.#position - indexStart),
      compression: this.#compression,
      compressedSize: BigInt(compressed.byteLength),
      uncompressedSize: BigInt(records.byteLength),
    });
    // The records are in the file (and in no other buffer); their memory can take the next chunk.
    sealed.builder.reset();
    this.#spareChunk ??= sealed.builder;
  }

  async #writeSummary(): Promise<void> {
    const end = new ByteBuilder();
    writeDataEnd(end, crc32Final(this.#dataCrc));
    await this.#write(end.bytes, true);

    const summaryStart = this.#position;
    const b = new ByteBuilder(16 * 1024);
    const groups: { opcode: Opcode; start: number; length: number }[] = [];
    const group = (opcode: Opcode, write: () => void): void => {
      const start = b.length;
      write();
      if (b.length > start) groups.push({ opcode, start: summaryStart + start, length: b.length - start });
    };
    group(Opcode.Schema, () => this.#schemas.forEach((s) => writeSchema(b, s)));
    group(Opcode.Channel, () => this.#channels.forEach((c) => writeChannel(b, c)));
    group(Opcode.Statistics, () =>
      writeStatistics(b, {
        messageCount: this.#messageCount,
        schemaCount: this.#schemas.length,
        channelCount: this.#channels.size,
        attachmentCount: 0,
        metadataCount: this.#metadataIndexes.length,
        chunkCount: this.#chunkIndexes.length,
        messageStartTime: this.#startTime ?? 0n,
        messageEndTime: this.#endTime ?? 0n,
        channelMessageCounts: this.#channelCounts,
      }),
    );
    group(Opcode.ChunkIndex, () => this.#chunkIndexes.forEach((c) => writeChunkIndex(b, c)));
    group(Opcode.MetadataIndex, () =>
      this.#metadataIndexes.forEach((m) => writeMetadataIndex(b, m.offset, m.length, m.name)),
    );
    const summaryOffsetStart = summaryStart + b.length;
    for (const g of groups) {
      writeSummaryOffset(b, {
        groupOpcode: g.opcode,
        groupStart: BigInt(g.start),
        groupLength: BigInt(g.length),
      });
    }
    // Footer: the CRC covers the summary through the footer's summary_offset_start field.
    b.uint8(Opcode.Footer).uint64(20n).uint64(BigInt(summaryStart)).uint64(BigInt(summaryOffsetStart));
    b.uint32(crc32(b.bytes));
    b.raw(MCAP_MAGIC);
    await this.#write(b.bytes, false);
  }
}
