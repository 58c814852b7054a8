/**
 * rosbag2's `metadata.yaml`: read any version Humble to Jazzy writes, write version 5, the newest
 * that Humble's `ros2 bag info`/`play` accept (Jazzy reads it too).
 */
import * as YAML from "yaml";

/** Version written; Humble refuses nothing at or below its own (5), newer versions read it. */
export const METADATA_VERSION = 5;

/**
 * The offered QoS string Humble records for a default publisher (keep last 10, reliable,
 * volatile, no deadline/lifespan, automatic liveliness), used for topics the package creates.
 */
export const DEFAULT_QOS_PROFILES = [
  "- history: 1",
  "  depth: 10",
  "  reliability: 1",
  "  durability: 2",
  "  deadline:",
  "    sec: 9223372036",
  "    nsec: 854775807",
  "  lifespan:",
  "    sec: 9223372036",
  "    nsec: 854775807",
  "  liveliness: 1",
  "  liveliness_lease_duration:",
  "    sec: 9223372036",
  "    nsec: 854775807",
  "  avoid_ros_namespace_conventions: false",
].join("\n");

export interface BagMetadataTopic {
  readonly name: string;
  readonly type: string;
  readonly serializationFormat: string;
  readonly offeredQosProfiles: string;
  readonly typeDescriptionHash?: string;
  readonly messageCount: number;
}

export interface BagMetadataFile {
  readonly path: string;
  readonly startingTimeNs: bigint;
  readonly durationNs: bigint;
  readonly messageCount: number;
}

export interface BagMetadata {
  readonly version: number;
  readonly storageIdentifier: string;
  readonly relativeFilePaths: readonly string[];
  readonly durationNs: bigint;
  readonly startingTimeNs: bigint;
  readonly messageCount: number;
  readonly topics: readonly BagMetadataTopic[];
  /** `""` or `zstd`. */
  readonly compressionFormat: string;
  /** `""`, `FILE` or `MESSAGE`. */
  readonly compressionMode: string;
  readonly files: readonly BagMetadataFile[];
  readonly customData: Readonly<Record<string, string>>;
  readonly rosDistro: string;
}

type Node = Record<string, unknown>;

function obj(value: unknown, where: string): Node {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`metadata.yaml: expected a mapping at ${where}`);
  }
  return value as Node;
}
function str(value: unknown, fallback = ""): string {
  return value === undefined || value === null ? fallback : String(value);
}
function big(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(Math.trunc(value));
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  return 0n;
}
function num(value: unknown): number {
  return Number(big(value));
}

/**
 * Whether each message of the bag is zstd-compressed (compression_mode MESSAGE). Both readers refuse
 * FILE compression, whole storage files compressed, which they cannot read.
 */
export function messagesCompressed(bagPath: string, metadata: BagMetadata | undefined): boolean {
  const mode = metadata?.compressionMode.toUpperCase();
  if (mode === "FILE") {
    throw new Error(
      `${bagPath}: file-compressed bags (compression_mode FILE) are not supported; decompress the files first`,
    );
  }
  return mode === "MESSAGE";
}

/** Parses `metadata.yaml` text; `where` names the file in errors. */
export function parseBagMetadata(text: string, where = "metadata.yaml"): BagMetadata {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { intAsBigInt: true });
  } catch (err) {
    throw new Error(`${where}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || typeof doc !== "object" || !("rosbag2_bagfile_information" in doc)) {
    throw new Error(`${where}: expected a rosbag2_bagfile_information mapping (not rosbag2 metadata)`);
  }
  const info = obj((doc as Node).rosbag2_bagfile_information, "rosbag2_bagfile_information");
  const topicsRaw = Array.isArray(info.topics_with_message_count) ? info.topics_with_message_count : [];
  const topics = topicsRaw.map((entry: unknown, i: number): BagMetadataTopic => {
    const e = obj(entry, `topics_with_message_count[${i}]`);
    const t = obj(e.topic_metadata, `topics_with_message_count[${i}].topic_metadata`);
    const qos = t.offered_qos_profiles;
    return {
      name: str(t.name),
      type: str(t.type),
      serializationFormat: str(t.serialization_format, "cdr"),
      // Jazzy (version 9) stores a YAML list instead of a string; keep the string form.
      offeredQosProfiles:
        typeof qos === "string"
          ? qos
          : qos === undefined || qos === null
            ? ""
            : YAML.stringify(qos).trimEnd(),
      ...(t.type_description_hash !== undefined ? { typeDescriptionHash: str(t.type_description_hash) } : {}),
      messageCount: num(e.message_count),
    };
  });
  const filesRaw = Array.isArray(info.files) ? info.files : [];
  const files = filesRaw.map((entry: unknown, i: number): BagMetadataFile => {
    const f = obj(entry, `files[${i}]`);
    return {
      path: str(f.path),
      startingTimeNs: big(obj(f.starting_time ?? {}, `files[${i}].starting_time`).nanoseconds_since_epoch),
      durationNs: big(obj(f.duration ?? {}, `files[${i}].duration`).nanoseconds),
      messageCount: num(f.message_count),
    };
  });
  const custom = info.custom_data && typeof info.custom_data === "object" ? (info.custom_data as Node) : {};
  return {
    version: num(info.version),
    storageIdentifier: str(info.storage_identifier),
    relativeFilePaths: Array.isArray(info.relative_file_paths)
      ? info.relative_file_paths.map((p: unknown) => str(p))
      : [],
    durationNs: big(obj(info.duration ?? {}, "duration").nanoseconds),
    startingTimeNs: big(obj(info.starting_time ?? {}, "starting_time").nanoseconds_since_epoch),
    messageCount: num(info.message_count),
    topics,
    compressionFormat: str(info.compression_format),
    compressionMode: str(info.compression_mode),
    files,
    customData: Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, str(v)])),
    rosDistro: str(info.ros_distro),
  };
}

/**
 * Writes `metadata.yaml` text in rosbag2's layout (version 5, keys in the order Humble writes
 * them), with QoS strings double-quoted as rosbag2 does so they survive any YAML reader.
 */
export function stringifyBagMetadata(m: BagMetadata): string {
  const info = {
    version: METADATA_VERSION,
    storage_identifier: m.storageIdentifier,
    duration: { nanoseconds: m.durationNs },
    starting_time: { nanoseconds_since_epoch: m.startingTimeNs },
    message_count: m.messageCount,
    topics_with_message_count: m.topics.map((t) => ({
      topic_metadata: {
        name: t.name,
        type: t.type,
        serialization_format: t.serializationFormat,
        offered_qos_profiles: t.offeredQosProfiles,
      },
      message_count: t.messageCount,
    })),
    compression_format: m.compressionFormat,
    compression_mode: m.compressionMode,
    relative_file_paths: [...m.relativeFilePaths],
    files: m.files.map((f) => ({
      path: f.path,
      starting_time: { nanoseconds_since_epoch: f.startingTimeNs },
      duration: { nanoseconds: f.durationNs },
      message_count: f.messageCount,
    })),
    custom_data: { ...m.customData },
    ros_distro: m.rosDistro,
  };
  const doc = new YAML.Document({ rosbag2_bagfile_information: info });
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && (node.value.includes("\n") || node.value === "")) {
        node.type = "QUOTE_DOUBLE";
      }
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq: true, doubleQuotedAsJSON: true });
}
