/**
 * The one place that loads rclnodejs. It is an optional dependency whose native part builds only
 * where ROS 2 is sourced, so it is required lazily, on first use, and checked against the shape
 * this package relies on (ros-api.ts); everything else runs, and is tested, without it.
 */
import { subscribeClockBestEffort } from "./clock-qos";
import { describeRangesInMessageShape } from "./parameter-descriptor-ranges";
import { explainParameterRefusals } from "./parameter-reasons";
import { readFullyQualifiedParameterSections } from "./parameter-sections";
import type { RclApi, RosNodeOptions } from "./ros-api";

const INSTALL_HINT =
  "source ROS 2 (Humble or Jazzy: source /opt/ros/$ROS_DISTRO/setup.bash) and run npm install " +
  "in the package (or colcon build it), so that rclnodejs 2.2.0 builds against that ROS";

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}

const FUNCTIONS = [
  "init",
  "shutdown",
  "isShutdown",
  "removeSignalHandlers",
  "regenerateAll",
  "require",
] as const;
const CLASSES = [
  "Node",
  "QoS",
  "Parameter",
  "ParameterDescriptor",
  "FloatingPointRange",
  "IntegerRange",
] as const;
const PARAMETER_TYPES = [
  "PARAMETER_NOT_SET",
  "PARAMETER_BOOL",
  "PARAMETER_INTEGER",
  "PARAMETER_DOUBLE",
  "PARAMETER_STRING",
  "PARAMETER_STRING_ARRAY",
] as const;
const NODE_METHODS = [
  "createPublisher",
  "createSubscription",
  "createTimer",
  "declareParameter",
  "getParameterOverrides",
  "addOnSetParametersCallback",
  "addPostSetParametersCallback",
  "countSubscribers",
  "destroyPublisher",
  "destroySubscription",
  "destroyTimer",
  "spin",
  "destroy",
] as const;

/** The members of ros-api.ts's RclApi that `module` lacks; empty when it fits. */
export function missingRclMembers(module: unknown): string[] {
  if (!isRecord(module)) return ["(module is not an object)"];
  const missing: string[] = [];
  for (const name of FUNCTIONS) if (typeof module[name] !== "function") missing.push(name);
  for (const name of CLASSES) if (typeof module[name] !== "function") missing.push(name);
  const types = module.ParameterType;
  if (!isRecord(types)) missing.push("ParameterType");
  else
    for (const name of PARAMETER_TYPES)
      if (typeof types[name] !== "number") missing.push(`ParameterType.${name}`);
  const qos = module.QoS;
  if (isRecord(qos)) {
    for (const table of ["HistoryPolicy", "ReliabilityPolicy", "DurabilityPolicy"]) {
      if (!isRecord(qos[table])) missing.push(`QoS.${table}`);
    }
  }
  const node = module.Node;
  if (isRecord(node) && isRecord(node.prototype)) {
    for (const name of NODE_METHODS)
      if (typeof node.prototype[name] !== "function") missing.push(`Node.prototype.${name}`);
  }
  return missing;
}

function isRclApi(module: unknown): module is RclApi {
  return missingRclMembers(module).length === 0;
}

/** The CommonJS build of rclnodejs 2.2.0 exports the API object itself; an ESM interop wrapper has it under `default`. */
function unwrapDefault(module: unknown): unknown {
  if (isRecord(module) && !("Node" in module) && isRecord(module.default)) return module.default;
  return module;
}

function isModuleNotFound(error: unknown, name: string): boolean {
  return (
    isRecord(error) &&
    error.code === "MODULE_NOT_FOUND" &&
    typeof error.message === "string" &&
    error.message.includes(`'${name}'`)
  );
}

/**
 * Loads rclnodejs. `load` stands in for `require` in tests. Throws one Error that says what to do
 * when ROS 2 is not sourced, rclnodejs is not installed, cannot load its native binding (built for
 * another distribution), or is a version without the calls this package uses.
 *
 * ROS 2 is checked first: rclnodejs 2.2.0, when its native binding does not load, runs `npm run
 * rebuild` in its own folder (clean, then node-gyp), which without ROS 2 fails after deleting the
 * binding that would have loaded once ROS 2 was sourced.
 */
export function loadRclnodejs(
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load is the point of this file
  load: (name: string) => unknown = (name) => require(name),
  env: NodeJS.ProcessEnv = process.env,
): RclApi {
  if (!env.AMENT_PREFIX_PATH)
    throw new Error(
      `ROS 2 is not sourced (AMENT_PREFIX_PATH is empty), so rclnodejs was not loaded: ${INSTALL_HINT}`,
    );
  let module: unknown;
  try {
    module = unwrapDefault(load("rclnodejs"));
  } catch (error) {
    if (isModuleNotFound(error, "rclnodejs")) {
      throw new Error(`rclnodejs is not installed: ${INSTALL_HINT}`, { cause: error });
    }
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(`rclnodejs is installed but does not load (${detail}): ${INSTALL_HINT}`, {
      cause: error,
    });
  }
  const missing = missingRclMembers(module);
  if (!isRclApi(module)) {
    throw new Error(`rclnodejs lacks ${missing.join(", ")}: this package needs rclnodejs 2.2.0`);
  }
  explainParameterRefusals(module.Node);
  readFullyQualifiedParameterSections(module.Node);
  describeRangesInMessageShape(module.ParameterDescriptor);
  const { QoS } = module;
  subscribeClockBestEffort(
    (module as unknown as { TimeSource?: { prototype: unknown } }).TimeSource,
    () =>
      new QoS(
        QoS.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
        1,
        QoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
        QoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_VOLATILE,
      ),
  );
  return module;
}

/**
 * Options for every node of the package. Humble's rcl_node_init registers the node's /rosout
 * publisher itself; rclnodejs 2.2.0 (written for the rcl of Jazzy, which does not) registers it
 * again, and rcl logs "Publisher already registered for provided node name" at every start. On
 * Humble rclnodejs is told to leave /rosout to rcl, which still sends the logs there.
 */
export function nodeOptions(distro: string | undefined = process.env.ROS_DISTRO): RosNodeOptions {
  return distro === "humble" ? { enableRosout: false } : {};
}
