/**
 * One call to get a serializer that knows the package's types and, when a bag is given, the
 * types whose definitions the bag carries (so other topics can be decoded too).
 */
import { MessageRegistry } from "./msg-registry";
import { RosSerializer } from "./ros-serializer";
import type { BagTopic } from "./rosbag2-types";

/** A serializer for the builtin types plus the `ros2msg` definitions stored in `bag`. */
export function createSerializer(bag?: { readonly topics: readonly BagTopic[] }): RosSerializer {
  const registry = MessageRegistry.withBuiltins();
  for (const topic of bag?.topics ?? []) {
    if (topic.definition?.encoding !== "ros2msg" || !topic.type) continue;
    try {
      registry.addRos2MsgSchema(topic.type, topic.definition.text);
    } catch {
      // A definition the parser cannot read leaves the type unknown; decoding it then fails with a clear error.
    }
  }
  return new RosSerializer(registry);
}
