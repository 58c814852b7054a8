/** The storage-independent view of a rosbag2 recording that the rest of the package reads through. */
import type { BagProblem } from "./problems";

/** Storage plugins this package can read. */
export type StorageId = "mcap" | "sqlite3";

export interface BagTopic {
  readonly name: string;
  /** Message type, `pkg/msg/Type`. */
  readonly type: string;
  /** `cdr` for everything ROS 2 records. */
  readonly serializationFormat: string;
  /** The QoS profiles the publishers offered, as the YAML string rosbag2 stores ("" if unknown). */
  readonly offeredQosProfiles: string;
  readonly messageCount: number;
  /** The type's definition as stored in the bag (MCAP schemas, Jazzy sqlite3), when there is one. */
  readonly definition?: { readonly encoding: string; readonly text: string };
}

export interface BagMessage {
  readonly topic: string;
  /** When the recorder received the message, nanoseconds since the epoch. */
  readonly logTimeNs: bigint;
  /** Serialized message (CDR). May be a view into a larger buffer; do not modify it. */
  readonly data: Uint8Array;
}

/** A named string map stored in the recording (MCAP Metadata records; sqlite3 bags have none). */
export interface BagMetadataRecord {
  readonly name: string;
  readonly metadata: ReadonlyMap<string, string>;
}

export interface BagReadOptions {
  /** Only these topics; all when absent. Unknown names are an error, so typos do not pass silently. */
  readonly topics?: readonly string[];
  /** Inclusive log-time bounds, nanoseconds. */
  readonly startTimeNs?: bigint;
  readonly endTimeNs?: bigint;
  /**
   * Makes a buffer of its own for a message's bytes (given a view of them), where the storage
   * would otherwise hand out views of a larger buffer (MCAP chunks; see McapReadOptions.copyOut).
   * Messages whose bytes come from elsewhere (decompressed, sqlite3) are not passed through it.
   */
  readonly copyOut?: (bytes: Uint8Array) => Uint8Array;
}

/** An open recording: metadata up front, messages as a stream. */
export interface BagReader {
  /** The path given to `openBag`. */
  readonly path: string;
  readonly storage: StorageId;
  /** The storage files, in order. */
  readonly files: readonly string[];
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  /**
   * The message count metadata.yaml gives, when the bag has one: what the recorder wrote, which a
   * damaged storage file no longer shows (its own counts come from what can still be read).
   */
  readonly listedMessageCount?: number;
  /** Log time of the first and last message (0n for an empty bag). */
  readonly startTime: bigint;
  readonly endTime: bigint;
  /** ROS distribution that recorded the bag, when the bag says ("" otherwise). */
  readonly rosDistro: string;
  /**
   * The MCAP Metadata records of its files, in file order (rosbag2's own `rosbag2` record among
   * them); empty for sqlite3, which has no place for them.
   */
  readonly metadataRecords: readonly BagMetadataRecord[];
  /**
   * What could not be read. Filled while opening and, for damage found late, while `messages()`
   * runs; check it after iterating.
   */
  readonly problems: readonly BagProblem[];
  /** Messages in log-time order. */
  messages(options?: BagReadOptions): AsyncIterable<BagMessage>;
  close(): Promise<void>;
}

/** Throws naming the unknown topics, so a misspelt `--topics` is not silently empty. */
export function checkTopics(
  reader: Pick<BagReader, "topics" | "path">,
  topics: readonly string[] | undefined,
): void {
  if (!topics) return;
  const known = new Set(reader.topics.map((t) => t.name));
  const unknown = topics.filter((t) => !known.has(t));
  if (unknown.length > 0) {
    throw new Error(
      `${reader.path}: no topic ${unknown.map((t) => `"${t}"`).join(", ")} in the bag (it has ${[...known].join(", ") || "no topics"})`,
    );
  }
}
