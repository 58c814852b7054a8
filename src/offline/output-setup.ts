/**
 * Opens the output bag and declares its topics: every input topic as the input declares it (type,
 * serialization, QoS, schema), then each camera's output topics with the package's schemas.
 */
import type { MessageRegistry } from "../bag/msg-registry";
import type { BagReader } from "../bag/rosbag2-types";
import type { ProcessBagOptions } from "./bag-processor";
import { type CameraPlan, COMPARE_TYPES, compareKinds, type OutputKind, OUTPUT_TYPES } from "./camera-topics";
import type { BufferPool } from "./buffer-pool";
import { type OutputBag, openOutputBag } from "./output-bag";

/**
 * The zstd level of output chunks unless asked otherwise. Compressing camera-sized images is the
 * largest single cost of a run; level 1 is much faster than level 3 for slightly larger files, and
 * the negative levels gain little more speed for much larger files (the bag bench measures it).
 */
export const ZSTD_FAST_LEVEL = 1;

export interface OutputSetup {
  readonly reader: BagReader;
  /** Knows the builtin types and the definitions the input carries. */
  readonly registry: MessageRegistry;
  readonly cameras: readonly CameraPlan[];
  /** Input topics not copied (the run writes them). */
  readonly skipTopics: ReadonlySet<string>;
  /** Receives a line per topic copied without a schema. */
  readonly notes: string[];
  readonly options: ProcessBagOptions;
  /** Write in a worker thread. */
  readonly thread: boolean;
  /** The outputs written per frame; only their topics are declared. */
  readonly outputs: readonly OutputKind[];
  /** Where buffers written with `recycle` go back to (with `thread`). */
  readonly buffers?: BufferPool;
}

/**
 * Metadata records the writer writes itself (rosbag2's, with the ROS distribution), which the
 * input's are not copied over.
 */
const WRITER_RECORDS = new Set(["rosbag2"]);

/**
 * The open output bag with all topics added and the input's MCAP metadata records copied (a
 * recording's own notes, such as a synthetic drive's ground truth, stay with its frames); closed
 * again if declaring a topic fails.
 */
export async function openOutput(setup: OutputSetup): Promise<OutputBag> {
  const { reader, registry, options } = setup;
  const writer = await openOutputBag(
    options.output,
    {
      force: options.force,
      inputs: [reader.path, ...reader.files],
      compression: options.compression ?? "zstd",
      zstdLevel: options.zstdLevel ?? ZSTD_FAST_LEVEL,
      rosDistro: reader.rosDistro || undefined,
      library: "visualbackprop bag",
    },
    setup.thread,
    setup.buffers,
  );
  const schema = (type: string): string | undefined =>
    registry.has(type) ? registry.ros2MsgSchema(type) : undefined;
  try {
    for (const topic of reader.topics) {
      if (setup.skipTopics.has(topic.name)) continue;
      const definition =
        topic.definition?.encoding === "ros2msg" ? topic.definition.text : schema(topic.type);
      if (definition === undefined) {
        setup.notes.push(
          `topic ${topic.name}: the bag has no definition of ${topic.type || "its type"}; copied with an empty schema`,
        );
      }
      await writer.addTopic({
        name: topic.name,
        type: topic.type,
        serializationFormat: topic.serializationFormat,
        offeredQosProfiles: topic.offeredQosProfiles || undefined,
        definition,
      });
    }
    for (const record of reader.metadataRecords) {
      if (!WRITER_RECORDS.has(record.name))
        await writer.addMetadata(record.name, Object.fromEntries(record.metadata));
    }
    for (const camera of setup.cameras) {
      for (const kind of setup.outputs) {
        const type = OUTPUT_TYPES[kind];
        await writer.addTopic({ name: camera.outputs[kind], type, definition: schema(type) });
      }
      if (options.compare === undefined) continue;
      for (const kind of compareKinds(setup.outputs)) {
        const type = COMPARE_TYPES[kind];
        await writer.addTopic({ name: camera.compare[kind], type, definition: schema(type) });
      }
    }
  } catch (error) {
    await writer.close().catch(() => undefined);
    throw error;
  }
  return writer;
}
