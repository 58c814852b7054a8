/**
 * The node's camera and QoS parameters as a ROS 2 parameter file gives them, read without ROS so
 * a viewer's configuration can be made before (or without) the node running.
 */
import * as fs from "node:fs";
import { parse } from "yaml";
import { NODE_NAME } from "../frame/node-name";
import { checkParameterValue, type ParameterValue } from "../ros/parameter-definition";
import { defaultParameterValues, NODE_PARAMETERS, settingsFromValues } from "../ros/parameters";
import type { QosSettings } from "../ros/qos";
import { normalizeNamespace } from "./view-topics";

/** The parameters that decide what a viewer shows. */
export interface ViewParameters {
  readonly imageTopics: readonly string[];
  readonly cameraNames: readonly string[];
  readonly input: QosSettings;
  readonly output: QosSettings;
}

const NODE_DEFAULTS = settingsFromValues(defaultParameterValues()).startup;

/** The node's defaults, from its parameter table. */
export const DEFAULT_VIEW_PARAMETERS: ViewParameters = {
  imageTopics: NODE_DEFAULTS.imageTopics,
  cameraNames: NODE_DEFAULTS.cameraNames,
  input: NODE_DEFAULTS.inputQos,
  output: NODE_DEFAULTS.outputQos,
};

/** The keys under which a parameter file may address the node, most general first. */
function nodeKeys(namespace: string, nodeName: string): string[] {
  const full = `${normalizeNamespace(namespace)}/${nodeName}`;
  return ["/**", "**", `/**/${nodeName}`, nodeName, `/${nodeName}`, full.slice(1), full];
}

/** The rows a viewer reads; their values are checked by the node's own table. */
const VIEW_ROWS = [
  NODE_PARAMETERS.imageTopics,
  NODE_PARAMETERS.cameraNames,
  NODE_PARAMETERS.inputReliability,
  NODE_PARAMETERS.inputDepth,
  NODE_PARAMETERS.outputReliability,
  NODE_PARAMETERS.outputDepth,
];

/**
 * Reads the view parameters of node `nodeName` in `namespace` from a parameter file; what the
 * file leaves out keeps the node's default. Throws naming the file and the parameter when a
 * value has the wrong type.
 */
export function readViewParameters(
  file: string,
  namespace = "",
  nodeName = NODE_NAME,
  base: ViewParameters = DEFAULT_VIEW_PARAMETERS,
): ViewParameters {
  let document: unknown;
  try {
    document = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`parameter file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const values: Record<string, unknown> = {};
  if (document !== null && typeof document === "object") {
    const root = document as Record<string, unknown>;
    for (const key of nodeKeys(namespace, nodeName)) {
      const section = root[key] as { ros__parameters?: Record<string, unknown> } | undefined;
      if (section?.ros__parameters !== undefined) Object.assign(values, section.ros__parameters);
    }
  }
  // What the file leaves out keeps the base's value; the rest must pass the node's own checks.
  const merged = new Map<string, ParameterValue>(defaultParameterValues());
  merged.set("image_topics", base.imageTopics);
  merged.set("camera_names", base.cameraNames);
  merged.set("input_reliability", base.input.reliability);
  merged.set("input_depth", base.input.depth);
  merged.set("output_reliability", base.output.reliability);
  merged.set("output_depth", base.output.depth);
  for (const row of VIEW_ROWS) {
    if (values[row.name] === undefined) continue;
    const checked = checkParameterValue(row, values[row.name]);
    if ("reason" in checked) throw new Error(`${file}: ${checked.reason}`);
    merged.set(row.name, checked.value);
  }
  const { startup } = settingsFromValues(merged);
  return {
    imageTopics: startup.imageTopics,
    cameraNames: startup.cameraNames,
    input: startup.inputQos,
    output: startup.outputQos,
  };
}
