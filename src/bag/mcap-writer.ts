/**
 * Streaming MCAP writer: `@mcap/core`'s `McapWriter` (chunks, message indexes, summary, CRCs)
 * behind the interface the bag writer uses. What this adds: the file is created exclusively (an
 * existing file is never overwritten), chunks are compressed with the project's zstd/lz4, calls
 * may overlap (the library needs each call to finish before the next; they are queued here), the
 * message bytes are taken at once so the caller may reuse its buffer, and `close()` may be called
 * at any time, more than once (as a Ctrl-C handler does), and always leaves a valid file.
 */
import * as fs from "node:fs";
import { McapCoreWriter as LibraryWriter } from "./mcap-core";
import { type ChunkCompression, compressChunk, initCompressors } from "./mcap-compression";
import { FileWritable } from "./mcap-file-writable";
import "./mcap-core-patches";

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

const DEFAULTS = {
  profile: "ros2",
  library: "visualbackprop",
  compression: "zstd" as ChunkCompression,
  chunkSize: 4 << 20,
  zstdLevel: 3,
};

/** Writes one MCAP file, appending to a file handle as it goes. */
export class McapWriter {
  readonly #fh: fs.promises.FileHandle;
  readonly #path: string;
  readonly #mcap: LibraryWriter;
  readonly #schemaIds = new Set<number>();
  readonly #channelIds = new Set<number>();
  #messageCount = 0n;
  #tail: Promise<void> = Promise.resolve();
  /** Queued calls not finished yet; while there are none, a call runs at once. */
  #pending = 0;
  #closed = false;
  #failure: Error | undefined;
  readonly #timing: { readonly compressMs: number };
  readonly #writable: FileWritable;

  private constructor(
    fh: fs.promises.FileHandle,
    path: string,
    mcap: LibraryWriter,
    writable: FileWritable,
    timing: { readonly compressMs: number },
  ) {
    this.#fh = fh;
    this.#path = path;
    this.#mcap = mcap;
    this.#writable = writable;
    this.#timing = timing;
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
    const chunkSize = options.chunkSize ?? DEFAULTS.chunkSize;
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new Error(`MCAP writer: chunkSize must be a positive integer, got ${String(options.chunkSize)}`);
    }
    const zstdLevel = options.zstdLevel ?? DEFAULTS.zstdLevel;
    await initCompressors(compression);
    const fh = await fs.promises.open(path, "wx");
    const timing = { compressMs: 0 };
    const writable = new FileWritable(fh);
    const mcap = new LibraryWriter({
      writable,
      chunkSize,
      startChannelId: 1,
      ...(compression === ""
        ? {}
        : {
            compressChunk: (data: Uint8Array) => {
              const started = performance.now();
              const compressedData = compressChunk(compression, data, zstdLevel);
              timing.compressMs += performance.now() - started;
              return { compression, compressedData };
            },
          }),
    });
    const writer = new McapWriter(fh, path, mcap, writable, timing);
    await writer.#run(() =>
      mcap.start({
        profile: options.profile ?? DEFAULTS.profile,
        library: options.library ?? DEFAULTS.library,
      }),
    );
    return writer;
  }

  get path(): string {
    return this.#path;
  }

  /**
   * Milliseconds spent compressing chunks so far: on camera-sized images the largest part of
   * writing, and the one a caller can choose away (`compression`).
   */
  get compressMs(): number {
    return this.#timing.compressMs;
  }

  /** Messages accepted so far. */
  get messageCount(): bigint {
    return this.#messageCount;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Registers a schema; returns its id (1, 2, ...). */
  addSchema(schema: { name: string; encoding: string; data: Uint8Array }): Promise<number> {
    this.#checkOpen("addSchema");
    const id = this.#schemaIds.size + 1;
    this.#schemaIds.add(id);
    const record = { name: schema.name, encoding: schema.encoding, data: schema.data.slice() };
    return this.#run(() => this.#mcap.registerSchema(record).then(expectId("schema", id))).then(() => id);
  }

  /** Registers a channel; returns its id (1, 2, ...). */
  addChannel(channel: {
    schemaId: number;
    topic: string;
    messageEncoding: string;
    metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  }): Promise<number> {
    this.#checkOpen("addChannel");
    if (channel.schemaId !== 0 && !this.#schemaIds.has(channel.schemaId)) {
      throw new Error(
        `MCAP writer: channel ${channel.topic} refers to schema ${channel.schemaId}, which was not added`,
      );
    }
    const id = this.#channelIds.size + 1;
    this.#channelIds.add(id);
    const record = {
      schemaId: channel.schemaId,
      topic: channel.topic,
      messageEncoding: channel.messageEncoding,
      metadata:
        channel.metadata instanceof Map
          ? new Map(channel.metadata)
          : new Map(Object.entries(channel.metadata ?? {})),
    };
    return this.#run(() => this.#mcap.registerChannel(record).then(expectId("channel", id))).then(() => id);
  }

  /** Writes a Metadata record (rosbag2 stores `ROS_DISTRO` this way). */
  addMetadata(name: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    this.#checkOpen("addMetadata");
    const record = { name, metadata: new Map(Object.entries(metadata)) };
    return this.#run(() => this.#mcap.addMetadata(record));
  }

  /**
   * Adds a message; a full chunk is compressed and written. The data is copied at once (into the
   * chunk, or aside while earlier calls are still running), so the caller may reuse its buffer.
   */
  addMessage(message: McapMessageInput): Promise<void> {
    this.#checkOpen("addMessage");
    if (!this.#channelIds.has(message.channelId)) {
      throw new Error(`MCAP writer: message for channel ${message.channelId}, which was not added`);
    }
    if (message.logTime < 0n)
      throw new Error(`MCAP writer: log time must not be negative, got ${message.logTime}`);
    this.#messageCount++;
    const record = {
      channelId: message.channelId,
      sequence: message.sequence ?? 0,
      logTime: message.logTime,
      publishTime: message.publishTime ?? message.logTime,
      data: this.#pending === 0 ? message.data : message.data.slice(),
    };
    return this.#run(() => this.#mcap.addMessage(record));
  }

  /**
   * Writes the open chunk, the summary, the footer and the closing magic, then closes the file.
   * Safe to call at any point (for example on Ctrl-C) and more than once.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#tail;
    this.#closed = true;
    const finish = this.#tail
      .catch(() => undefined)
      .then(async () => {
        try {
          await this.#mcap.end();
          await this.#writable.sync();
        } finally {
          await this.#writable.settle();
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

  /**
   * Runs a library call after the earlier ones, or at once when none is running: the library's
   * synchronous part (copying a message into the chunk) then happens before this returns.
   */
  #run<T>(op: () => Promise<T>): Promise<T> {
    this.#pending++;
    const next = (this.#pending === 1 ? op() : this.#tail.then(op)).finally(() => {
      this.#pending--;
    });
    this.#tail = next.then(
      () => undefined,
      (err: unknown) => {
        this.#failure ??= err instanceof Error ? err : new Error(String(err));
      },
    );
    return next;
  }
}

/** The library numbers schemas and channels itself; the ids this writer promised must match. */
function expectId(what: string, expected: number): (id: number) => void {
  return (id) => {
    if (id !== expected) throw new Error(`MCAP writer: ${what} got id ${id}, expected ${expected}`);
  };
}
