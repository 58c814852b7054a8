/**
 * What an MCAP reader needs to find messages: chunk locations, unchunked message locations,
 * schemas, channels and counts. Built from the summary section when it is usable (`mcap-summary`)
 * or by scanning the file (`mcap-scan`).
 */
import type { BagProblem } from "./problems";
import type { McapChannel, McapHeader, McapMetadata, McapSchema } from "./mcap-types";

/** Where one chunk record is, and what it holds. */
export interface ChunkRef {
  /** Offset of the chunk record's opcode byte. */
  readonly offset: number;
  /** Bytes of the record that are in the file (prefix included); less than declared when cut off. */
  readonly length: number;
  readonly messageStartTime: bigint;
  readonly messageEndTime: bigint;
  /** Channels with messages in the chunk, when known; lets filtered reads skip chunks. */
  readonly channelIds?: ReadonlySet<number>;
  /** Messages in the chunk, when known (scan), for reporting a chunk that later fails to read. */
  readonly messageCount?: number;
  /** The record is cut off at the end of the file; only an uncompressed one is kept. */
  readonly truncated: boolean;
}

/** A Message record outside any chunk. */
export interface LooseMessageRef {
  readonly offset: number;
  readonly length: number;
  readonly channelId: number;
  readonly logTime: bigint;
}

/** Counts and time range, from Statistics or counted. */
export interface McapCounts {
  readonly messageCount: number;
  readonly channelMessageCounts: ReadonlyMap<number, number>;
  /** Undefined when there are no messages. */
  readonly startTime?: bigint;
  readonly endTime?: bigint;
}

export interface McapIndex {
  readonly header: McapHeader;
  readonly schemas: ReadonlyMap<number, McapSchema>;
  readonly channels: ReadonlyMap<number, McapChannel>;
  readonly chunks: readonly ChunkRef[];
  readonly loose: readonly LooseMessageRef[];
  readonly counts: McapCounts;
  readonly metadata: readonly McapMetadata[];
  /** True when built from the summary; false when the file was scanned. */
  readonly fromSummary: boolean;
  readonly problems: BagProblem[];
}

/** Collects min/max times and per-channel counts while scanning. */
export class CountAccumulator {
  messageCount = 0;
  readonly channelMessageCounts = new Map<number, number>();
  startTime: bigint | undefined;
  endTime: bigint | undefined;

  add(channelId: number, logTime: bigint, n = 1): void {
    this.messageCount += n;
    this.channelMessageCounts.set(channelId, (this.channelMessageCounts.get(channelId) ?? 0) + n);
    this.time(logTime);
  }

  time(t: bigint): void {
    if (this.startTime === undefined || t < this.startTime) this.startTime = t;
    if (this.endTime === undefined || t > this.endTime) this.endTime = t;
  }

  result(): McapCounts {
    return {
      messageCount: this.messageCount,
      channelMessageCounts: this.channelMessageCounts,
      ...(this.startTime !== undefined ? { startTime: this.startTime, endTime: this.endTime } : {}),
    };
  }
}
