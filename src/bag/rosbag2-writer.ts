/**
 * Writes a rosbag2 bag directory: one MCAP file (profile `ros2`, `cdr` messages, `ros2msg`
 * schemas with dependencies, zstd chunks, full summary) and `metadata.yaml` (version 5), which
 * `ros2 bag info`/`play` accept on Humble and Jazzy and Foxglove opens.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChunkCompression } from "./mcap-compression";
import { McapWriter } from "./mcap-writer";
import type { MessageRegistry } from "./msg-registry";
import { prepareOutputDir } from "./output-path";
import { type BagMetadata, DEFAULT_QOS_PROFILES, stringifyBagMetadata } from "./rosbag2-metadata";

export interface BagWriterOptions {
  /** Replace an existing bag directory at the output path. */
  readonly force?: boolean;
  /** Input bags; the output may never be, contain, or lie inside one of them. */
  readonly inputs?: readonly string[];
  /** Chunk compression, default `zstd`. */
  readonly compression?: "zstd" | "lz4" | "none";
  /** Uncompressed bytes per chunk, default 4 MiB. */
  readonly chunkSize?: number;
  readonly zstdLevel?: number;
  /** Recorded in the MCAP metadata and `metadata.yaml`, default `humble`. */
  readonly rosDistro?: string;
  /** Where schema texts come from for topics added without a definition. */
  readonly registry?: MessageRegistry;
  /** MCAP header library string. */
  readonly library?: string;
}

export interface BagWriterTopic {
  readonly name: string;
  /** `pkg/msg/Type`. */
  readonly type: string;
  /** Default `cdr`. */
  readonly serializationFormat?: string;
  /** Default: what Humble records for a default reliable publisher. */
  readonly offeredQosProfiles?: string;
  /** `ros2msg` schema text with dependencies; default: built from the registry. */
  readonly definition?: string;
}

interface TopicState {
  readonly topic: Required<Omit<BagWriterTopic, "definition">>;
  readonly channelId: number;
  count: number;
}

/** An open output bag. Call `close()` (also on Ctrl-C) to finish it; until then it is not complete. */
export class BagWriter {
  readonly dir: string;
  readonly file: string;
  readonly #mcap: McapWriter;
  readonly #registry: MessageRegistry | undefined;
  readonly #rosDistro: string;
  readonly #topics = new Map<string, TopicState>();
  readonly #schemaIds = new Map<string, Promise<number>>();
  readonly #pendingTopics = new Map<string, Promise<TopicState>>();
  #count = 0;
  #start: bigint | undefined;
  #end: bigint | undefined;
  #closing: Promise<BagMetadata> | undefined;

  private constructor(dir: string, file: string, mcap: McapWriter, options: BagWriterOptions) {
    this.dir = dir;
    this.file = file;
    this.#mcap = mcap;
    this.#registry = options.registry;
    this.#rosDistro = options.rosDistro ?? "humble";
  }

  /** @internal use `createBagWriter`. */
  static async create(dir: string, options: BagWriterOptions): Promise<BagWriter> {
    const out = await prepareOutputDir(dir, options);
    const file = path.join(out, `${path.basename(out)}_0.mcap`);
    const compression: ChunkCompression =
      options.compression === "none" ? "" : (options.compression ?? "zstd");
    const mcap = await McapWriter.create(file, {
      profile: "ros2",
      library: options.library ?? "visualbackprop rosbag2 writer",
      compression,
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(options.zstdLevel !== undefined ? { zstdLevel: options.zstdLevel } : {}),
    });
    const writer = new BagWriter(out, file, mcap, options);
    await mcap.addMetadata("rosbag2", { ROS_DISTRO: writer.#rosDistro });
    return writer;
  }

  /** Messages written so far. */
  get messageCount(): number {
    return this.#count;
  }

  /** Milliseconds spent compressing chunks so far (McapWriter.compressMs). */
  get compressMs(): number {
    return this.#mcap.compressMs;
  }

  /** Topic names added so far. */
  get topicNames(): string[] {
    return [...this.#topics.keys()];
  }

  /**
   * Declares a topic (once; a second call with the same name and type is a no-op). The schema is
   * the given definition or the registry's text for the type.
   */
  async addTopic(topic: BagWriterTopic): Promise<void> {
    await this.#topic(topic);
  }

  #topic(topic: BagWriterTopic): Promise<TopicState> {
    const existing = this.#pendingTopics.get(topic.name);
    if (existing) {
      return existing.then((state) => {
        if (state.topic.type !== topic.type) {
          throw new Error(
            `bag writer: topic ${topic.name} was added as ${state.topic.type}, now as ${topic.type}`,
          );
        }
        return state;
      });
    }
    const full = {
      name: topic.name,
      type: topic.type,
      serializationFormat: topic.serializationFormat ?? "cdr",
      offeredQosProfiles: topic.offeredQosProfiles ?? DEFAULT_QOS_PROFILES,
    };
    const promise = (async (): Promise<TopicState> => {
      const schemaId = await this.#schema(topic.type, topic.definition);
      const channelId = await this.#mcap.addChannel({
        schemaId,
        topic: full.name,
        messageEncoding: full.serializationFormat,
        metadata: { offered_qos_profiles: full.offeredQosProfiles },
      });
      const state: TopicState = { topic: full, channelId, count: 0 };
      this.#topics.set(full.name, state);
      return state;
    })();
    this.#pendingTopics.set(topic.name, promise);
    return promise;
  }

  #schema(type: string, definition: string | undefined): Promise<number> {
    let id = this.#schemaIds.get(type);
    if (!id) {
      const text = definition ?? (this.#registry?.has(type) ? this.#registry.ros2MsgSchema(type) : "");
      id = this.#mcap.addSchema({ name: type, encoding: "ros2msg", data: new TextEncoder().encode(text) });
      this.#schemaIds.set(type, id);
    }
    return id;
  }

  /**
   * Writes an MCAP Metadata record: a named string map that says what the recording is (readers
   * give it back as `BagReader.metadataRecords`). rosbag2 itself ignores records it does not know.
   */
  async addMetadata(name: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    if (this.#closing) throw new Error(`bag writer ${this.dir}: metadata ${name} after close()`);
    await this.#mcap.addMetadata(name, metadata);
  }

  /** Writes one serialized message to a topic added before. `data` is copied. */
  async write(topic: string, logTimeNs: bigint, data: Uint8Array, publishTimeNs?: bigint): Promise<void> {
    if (this.#closing) throw new Error(`bag writer ${this.dir}: write to ${topic} after close()`);
    const state = this.#topics.get(topic) ?? (await this.#pendingTopics.get(topic));
    if (!state) throw new Error(`bag writer: topic ${topic} was not added (call addTopic first)`);
    state.count++;
    this.#count++;
    if (this.#start === undefined || logTimeNs < this.#start) this.#start = logTimeNs;
    if (this.#end === undefined || logTimeNs > this.#end) this.#end = logTimeNs;
    await this.#mcap.addMessage({
      channelId: state.channelId,
      logTime: logTimeNs,
      publishTime: publishTimeNs ?? logTimeNs,
      sequence: state.count,
      data,
    });
  }

  /**
   * Finishes the MCAP file and writes `metadata.yaml`. Safe at any time (Ctrl-C) and more than
   * once; returns the metadata written.
   */
  close(): Promise<BagMetadata> {
    this.#closing ??= (async () => {
      await Promise.allSettled(this.#pendingTopics.values());
      await this.#mcap.close();
      const metadata = this.#metadata();
      const target = path.join(this.dir, "metadata.yaml");
      const temp = `${target}.tmp`;
      await fs.promises.writeFile(temp, stringifyBagMetadata(metadata));
      await fs.promises.rename(temp, target);
      return metadata;
    })();
    return this.#closing;
  }

  #metadata(): BagMetadata {
    const start = this.#start ?? 0n;
    const duration = this.#end !== undefined ? this.#end - start : 0n;
    const relative = path.basename(this.file);
    return {
      version: 5,
      storageIdentifier: "mcap",
      relativeFilePaths: [relative],
      durationNs: duration,
      startingTimeNs: start,
      messageCount: this.#count,
      topics: [...this.#topics.values()].map((s) => ({ ...s.topic, messageCount: s.count })),
      compressionFormat: "",
      compressionMode: "",
      files: [{ path: relative, startingTimeNs: start, durationNs: duration, messageCount: this.#count }],
      customData: {},
      rosDistro: this.#rosDistro,
    };
  }
}

/**
 * Creates the output bag directory `dir` and opens its MCAP file. Refuses an existing path unless
 * `force`, and refuses any path that is or overlaps an input. The options object is not modified.
 */
export function createBagWriter(dir: string, options: BagWriterOptions = {}): Promise<BagWriter> {
  return BagWriter.create(dir, options);
}
