/**
 * Reads messages from one MCAP file in log-time order. Uses the summary (chunk indexes,
 * statistics) when it is there and sound; otherwise scans the file and reads every message it can,
 * recording what it skipped in `problems`.
 */
import { initCompression } from "./mcap-compression";
import { hasMcapMagic, MCAP_MAGIC, Opcode, RECORD_PREFIX } from "./mcap-constants";
import { decodeChunk } from "./mcap-chunk";
import type { ChunkRef, LooseMessageRef, McapCounts, McapIndex } from "./mcap-index";
import { parseRecord } from "./mcap-parse";
import { scanMcap } from "./mcap-scan";
import { loadSummary } from "./mcap-summary";
import type { McapChannel, McapHeader, McapMessage, McapMetadata, McapSchema } from "./mcap-types";
import { MinHeap } from "./min-heap";
import type { BagProblem } from "./problems";
import { RandomAccessFile } from "./random-access-file";

export interface McapReadOptions {
  /** Only these channels; all when absent. */
  readonly channelIds?: Iterable<number>;
  /** Inclusive log-time bounds, nanoseconds. */
  readonly startTime?: bigint;
  readonly endTime?: bigint;
  /**
   * Gives each message's bytes a buffer of their own, made by `copyOut` from a view of them. The
   * chunks are then read into two buffers reused from chunk to chunk, not into a fresh one each
   * (whose page faults cost more than the reading), and the bytes stay valid however long the
   * caller keeps them. Without it, messages are views of their chunk.
   */
  readonly copyOut?: (bytes: Uint8Array) => Uint8Array;
}

/** A pending message in the merge: ordered by log time, then position in the file. */
interface Pending {
  readonly logTime: bigint;
  readonly fileOffset: number;
  readonly inChunk: number;
  readonly message?: McapMessage;
  readonly loose?: LooseMessageRef;
}

const before = (a: Pending, b: Pending): boolean =>
  a.logTime !== b.logTime
    ? a.logTime < b.logTime
    : a.fileOffset !== b.fileOffset
      ? a.fileOffset < b.fileOffset
      : a.inChunk < b.inChunk;

export class McapReader {
  readonly #file: RandomAccessFile;
  readonly #index: McapIndex;

  private constructor(file: RandomAccessFile, index: McapIndex) {
    this.#file = file;
    this.#index = index;
  }

  /** Opens an MCAP file read-only. Throws when it is not MCAP at all; damage past the header is reported in `problems`. */
  static async open(path: string): Promise<McapReader> {
    const file = await RandomAccessFile.open(path);
    try {
      const start = await file.read(0, MCAP_MAGIC.byteLength + RECORD_PREFIX);
      if (!hasMcapMagic(start)) {
        throw new Error(
          `${path}: not an MCAP file (expected the magic bytes 89 4D 43 41 50 30 0D 0A at the start)`,
        );
      }
      if (start.byteLength < MCAP_MAGIC.byteLength + RECORD_PREFIX || start[8] !== Opcode.Header) {
        throw new Error(`${path}: MCAP file without a header record (expected opcode 0x01 after the magic)`);
      }
      const length = Number(new DataView(start.buffer, start.byteOffset).getBigUint64(9, true));
      const body = await file.read(MCAP_MAGIC.byteLength + RECORD_PREFIX, length);
      if (body.byteLength < length) throw new Error(`${path}: MCAP file cut off inside its header record`);
      const parsed = parseRecord(Opcode.Header, body);
      if (parsed.kind !== "Header") throw new Error(`${path}: unreadable MCAP header`);
      const header: McapHeader = parsed.value;
      await initCompression();
      const summary = await loadSummary(file, header);
      const firstRecord = MCAP_MAGIC.byteLength + RECORD_PREFIX + length;
      const index =
        "index" in summary ? summary.index : await scanMcap(file, header, firstRecord, summary.reason);
      return new McapReader(file, index);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  get path(): string {
    return this.#file.path;
  }
  get header(): McapHeader {
    return this.#index.header;
  }
  get schemas(): ReadonlyMap<number, McapSchema> {
    return this.#index.schemas;
  }
  get channels(): ReadonlyMap<number, McapChannel> {
    return this.#index.channels;
  }
  /** Message counts and time range (from Statistics, message indexes, or the scan). */
  get counts(): McapCounts {
    return this.#index.counts;
  }
  get metadata(): readonly McapMetadata[] {
    return this.#index.metadata;
  }
  /** Whether the summary section was used (false: the file was scanned). */
  get fromSummary(): boolean {
    return this.#index.fromSummary;
  }
  /** What could not be read; grows while `messages()` runs if a chunk fails then. */
  get problems(): readonly BagProblem[] {
    return this.#index.problems;
  }

  /**
   * Messages in log-time order (ties in file order). Chunks are loaded only when the merge reaches
   * their start time, so memory stays at a few chunks however large the file is.
   */
  async *messages(options: McapReadOptions = {}): AsyncGenerator<McapMessage> {
    const wanted = options.channelIds ? new Set(options.channelIds) : undefined;
    const lo = options.startTime;
    const hi = options.endTime;
    const inRange = (t: bigint): boolean => (lo === undefined || t >= lo) && (hi === undefined || t <= hi);
    const chunks = this.#index.chunks
      .filter((c) => !wanted || !c.channelIds || [...c.channelIds].some((id) => wanted.has(id)))
      .filter(
        (c) => (lo === undefined || c.messageEndTime >= lo) && (hi === undefined || c.messageStartTime <= hi),
      )
      .slice()
      .sort((a, b) =>
        a.messageStartTime !== b.messageStartTime
          ? a.messageStartTime < b.messageStartTime
            ? -1
            : 1
          : a.offset - b.offset,
      );
    const loose = this.#index.loose
      .filter((m) => (!wanted || wanted.has(m.channelId)) && inRange(m.logTime))
      .slice()
      .sort((a, b) => (a.logTime !== b.logTime ? (a.logTime < b.logTime ? -1 : 1) : a.offset - b.offset));
    const heap = new MinHeap<Pending>(before);
    // The next chunk's bytes are read while this one's messages are handed out, so the caller
    // does not wait for the file between chunks (one chunk more in memory).
    let ahead: { readonly index: number; readonly bytes: Promise<Uint8Array> } | undefined;
    // With copyOut, chunk i is read into scratch[i % 2]: chunk i + 2 is read only after chunk i's
    // messages were copied out (chunkBytes(i + 1) runs once chunk i is loaded).
    const { copyOut } = options;
    const scratch: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
    const read = (index: number): Promise<Uint8Array> => {
      const ref = chunks[index];
      if (copyOut === undefined) return this.#file.read(ref.offset, ref.length);
      if (scratch[index % 2].byteLength < ref.length) scratch[index % 2] = new Uint8Array(ref.length);
      return this.#file.readInto(ref.offset, ref.length, scratch[index % 2]);
    };
    const chunkBytes = (index: number): Promise<Uint8Array> => {
      const bytes = ahead?.index === index ? ahead.bytes : read(index);
      ahead = undefined;
      if (index + 1 < chunks.length) {
        const next = read(index + 1);
        // Awaited (and its failure reported) when the merge reaches that chunk.
        next.catch(() => undefined);
        ahead = { index: index + 1, bytes: next };
      }
      return bytes;
    };
    let nextChunk = 0;
    let nextLoose = 0;
    for (;;) {
      let progressed = true;
      while (progressed) {
        progressed = false;
        const top = heap.peek();
        if (nextChunk < chunks.length && (!top || chunks[nextChunk].messageStartTime <= top.logTime)) {
          await this.#loadChunk(chunks[nextChunk], chunkBytes(nextChunk), heap, wanted, inRange, copyOut);
          nextChunk += 1;
          progressed = true;
        } else if (nextLoose < loose.length && (!top || loose[nextLoose].logTime <= top.logTime)) {
          const ref = loose[nextLoose++];
          heap.push({ logTime: ref.logTime, fileOffset: ref.offset, inChunk: 0, loose: ref });
          progressed = true;
        }
      }
      const item = heap.pop();
      if (!item) return;
      const message = item.message ?? (await this.#readLoose(item.loose, copyOut));
      if (message) yield message;
    }
  }

  async #loadChunk(
    ref: ChunkRef,
    bytes: Promise<Uint8Array>,
    heap: MinHeap<Pending>,
    wanted: ReadonlySet<number> | undefined,
    inRange: (t: bigint) => boolean,
    copyOut: ((bytes: Uint8Array) => Uint8Array) | undefined,
  ): Promise<void> {
    try {
      const contents = decodeChunk(await bytes, ref);
      for (const { message, offset } of contents.messages) {
        if (wanted && !wanted.has(message.channelId)) continue;
        if (!inRange(message.logTime)) continue;
        const own = copyOut === undefined ? message : { ...message, data: copyOut(message.data) };
        heap.push({ logTime: message.logTime, fileOffset: ref.offset, inChunk: offset, message: own });
      }
    } catch (err) {
      this.#index.problems.push({
        file: this.#file.path,
        kind: "corrupt",
        offset: ref.offset,
        skippedBytes: ref.length,
        ...(ref.messageCount !== undefined ? { skippedMessages: ref.messageCount } : {}),
        message: `${(err as Error).message}; its messages were skipped`,
      });
    }
  }

  async #readLoose(
    ref: LooseMessageRef | undefined,
    copyOut: ((bytes: Uint8Array) => Uint8Array) | undefined,
  ): Promise<McapMessage | undefined> {
    if (!ref) return undefined;
    const bytes = await this.#file.read(ref.offset, ref.length);
    const r =
      bytes.byteLength === ref.length
        ? parseRecord(Opcode.Message, bytes.subarray(RECORD_PREFIX))
        : undefined;
    if (r?.kind !== "Message") return undefined;
    return copyOut === undefined ? r.value : { ...r.value, data: copyOut(r.value.data) };
  }

  async close(): Promise<void> {
    await this.#file.close();
  }
}
