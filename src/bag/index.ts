/**
 * rosbag2 input and output without ROS 2: open bags (MCAP or sqlite3), decode and encode CDR
 * messages by type name, and write MCAP bag directories that ROS 2 tools accept.
 */
export { openBag } from "./rosbag2-open";
export type {
  BagMessage,
  BagMetadataRecord,
  BagReader,
  BagReadOptions,
  BagTopic,
  StorageId,
} from "./rosbag2-types";
export { BagWriter, createBagWriter, type BagWriterOptions, type BagWriterTopic } from "./rosbag2-writer";
export {
  DEFAULT_QOS_PROFILES,
  parseBagMetadata,
  stringifyBagMetadata,
  type BagMetadata,
  type BagMetadataFile,
  type BagMetadataTopic,
} from "./rosbag2-metadata";
export { countSkipped, isPartial, type BagProblem, type BagProblemKind } from "./problems";
export { createSerializer } from "./serializer-factory";
export { RosSerializer, type RosMessage, type RosValue, type RosTypedArray } from "./ros-serializer";
export { MessageRegistry } from "./msg-registry";
export {
  parseMsgDefinition,
  parseRos2MsgSchema,
  fullTypeName,
  type MsgDefinition,
  type MsgField,
  type MsgConstant,
} from "./msgdef";
export * from "./ros-types";
export { McapReader, type McapReadOptions } from "./mcap-reader";
export { McapWriter, type McapWriterOptions, type McapMessageInput } from "./mcap-writer";
export type { ChunkCompression } from "./mcap-compression";
