/** A `BagReader` over the MCAP files of a rosbag2 recording (or a single `.mcap` file). */
import * as path from "node:path";
import { decompressZstdFrame } from "./mcap-compression";
import { McapReader } from "./mcap-reader";
import { mergeByLogTime } from "./merge-by-time";
import type { BagProblem } from "./problems";
import { type BagMetadata, messagesCompressed } from "./rosbag2-metadata";
import {
  type BagMessage,
  type BagMetadataRecord,
  type BagReader,
  type BagReadOptions,
  type BagTopic,
  checkTopics,
} from "./rosbag2-types";

const decoder = new TextDecoder();

export class McapBagReader implements BagReader {
  readonly path: string;
  readonly storage = "mcap" as const;
  readonly files: readonly string[];
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly listedMessageCount?: number;
  readonly startTime: bigint;
  readonly endTime: bigint;
  readonly rosDistro: string;
  readonly metadataRecords: readonly BagMetadataRecord[];
  readonly #readers: readonly McapReader[];
  readonly #messageCompressed: boolean;

  private constructor(
    bagPath: string,
    readers: McapReader[],
    metadata: BagMetadata | undefined,
    messageCompressed: boolean,
  ) {
    this.path = bagPath;
    this.#readers = readers;
    this.files = readers.map((r) => r.path);
    this.#messageCompressed = messageCompressed;
    const byTopic = new Map<string, BagTopic>();
    for (const reader of readers) {
      for (const channel of reader.channels.values()) {
        const schema = reader.schemas.get(channel.schemaId);
        const fromMeta = metadata?.topics.find((t) => t.name === channel.topic);
        const count = reader.counts.channelMessageCounts.get(channel.id) ?? 0;
        const previous = byTopic.get(channel.topic);
        byTopic.set(channel.topic, {
          name: channel.topic,
          type: previous?.type ?? schema?.name ?? fromMeta?.type ?? "",
          serializationFormat: channel.messageEncoding || fromMeta?.serializationFormat || "cdr",
          offeredQosProfiles:
            previous?.offeredQosProfiles ??
            channel.metadata.get("offered_qos_profiles") ??
            fromMeta?.offeredQosProfiles ??
            "",
          messageCount: (previous?.messageCount ?? 0) + count,
          ...(previous?.definition
            ? { definition: previous.definition }
            : schema && schema.data.byteLength > 0
              ? { definition: { encoding: schema.encoding, text: decoder.decode(schema.data) } }
              : {}),
        });
      }
    }
    for (const t of metadata?.topics ?? []) {
      if (!byTopic.has(t.name)) {
        byTopic.set(t.name, {
          name: t.name,
          type: t.type,
          serializationFormat: t.serializationFormat,
          offeredQosProfiles: t.offeredQosProfiles,
          messageCount: 0,
        });
      }
    }
    this.topics = [...byTopic.values()];
    this.messageCount = readers.reduce((n, r) => n + r.counts.messageCount, 0);
    this.listedMessageCount = metadata?.messageCount;
    const starts = readers.map((r) => r.counts.startTime).filter((t): t is bigint => t !== undefined);
    const ends = readers.map((r) => r.counts.endTime).filter((t): t is bigint => t !== undefined);
    this.startTime = starts.length ? starts.reduce((a, b) => (a < b ? a : b)) : 0n;
    this.endTime = ends.length ? ends.reduce((a, b) => (a > b ? a : b)) : 0n;
    const distro = readers
      .flatMap((r) => r.metadata)
      .find((m) => m.name === "rosbag2")
      ?.metadata.get("ROS_DISTRO");
    this.rosDistro = metadata?.rosDistro || distro || "";
    this.metadataRecords = readers.flatMap((r) => r.metadata);
  }

  /** Opens the given MCAP files (in order) of the bag at `bagPath`. */
  static async open(
    bagPath: string,
    files: readonly string[],
    metadata?: BagMetadata,
  ): Promise<McapBagReader> {
    const messageCompressed = messagesCompressed(bagPath, metadata);
    const readers: McapReader[] = [];
    try {
      for (const file of files) readers.push(await McapReader.open(file));
    } catch (err) {
      await Promise.all(readers.map((r) => r.close()));
      throw err;
    }
    return new McapBagReader(bagPath, readers, metadata, messageCompressed);
  }

  get problems(): readonly BagProblem[] {
    return this.#readers.flatMap((r) => r.problems);
  }

  messages(options: BagReadOptions = {}): AsyncIterable<BagMessage> {
    checkTopics(this, options.topics);
    const wanted = options.topics ? new Set(options.topics) : undefined;
    const sources = this.#readers.map((reader) => this.#fileMessages(reader, wanted, options));
    return mergeByLogTime(sources);
  }

  async *#fileMessages(
    reader: McapReader,
    wanted: ReadonlySet<string> | undefined,
    options: BagReadOptions,
  ): AsyncGenerator<BagMessage> {
    const topicOf = new Map<number, string>();
    for (const c of reader.channels.values()) if (!wanted || wanted.has(c.topic)) topicOf.set(c.id, c.topic);
    if (topicOf.size === 0) return;
    for await (const m of reader.messages({
      channelIds: topicOf.keys(),
      ...(options.startTimeNs !== undefined ? { startTime: options.startTimeNs } : {}),
      ...(options.endTimeNs !== undefined ? { endTime: options.endTimeNs } : {}),
      // Compressed messages are decompressed into buffers of their own anyway.
      ...(options.copyOut !== undefined && !this.#messageCompressed ? { copyOut: options.copyOut } : {}),
    })) {
      const topic = topicOf.get(m.channelId);
      if (topic === undefined) continue;
      yield {
        topic,
        logTimeNs: m.logTime,
        data: this.#messageCompressed ? decompressZstdFrame(m.data) : m.data,
      };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#readers.map((r) => r.close()));
  }
}

/** `relative_file_paths` entries resolved against the bag directory. */
export function resolveBagFiles(dir: string, relative: readonly string[]): string[] {
  return relative.map((p) => (path.isAbsolute(p) ? p : path.join(dir, p)));
}
