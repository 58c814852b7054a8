/**
 * The node's camera and QoS parameters as a ROS 2 parameter file gives them, read without ROS so
 * a viewer's configuration can be made before (or without) the node running.
 */
import * as fs from "node:fs";
import { parse } from "yaml";
import { NODE_NAME } from "../frame/node-name.js";
import { defaultParameterValues, settingsFromValues } from "../ros/parameters.js";
import { isReliabilityName, type QosSettings } from "../ros/qos.js";
import { normalizeNamespace } from "./view-topics.js";

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

function strings(file: string, name: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new Error(`${file}: ${name} must be a list of strings, got ${JSON.stringify(value)}`);
  return value as string[];
}

function reliability(file: string, name: string, value: unknown): QosSettings["reliability"] {
  if (typeof value !== "string" || !isReliabilityName(value))
    throw new Error(`${file}: ${name} must be "best_effort" or "reliable", got ${JSON.stringify(value)}`);
  return value;
}

function depth(file: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw new Error(`${file}: ${name} must be an integer of at least 1, got ${JSON.stringify(value)}`);
  return value;
}

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
  const has = (name: string): boolean => values[name] !== undefined;
  return {
    imageTopics: has("image_topics") ? strings(file, "image_topics", values.image_topics) : base.imageTopics,
    cameraNames: has("camera_names") ? strings(file, "camera_names", values.camera_names) : base.cameraNames,
    input: {
      reliability: has("input_reliability")
        ? reliability(file, "input_reliability", values.input_reliability)
        : base.input.reliability,
      depth: has("input_depth") ? depth(file, "input_depth", values.input_depth) : base.input.depth,
    },
    output: {
      reliability: has("output_reliability")
        ? reliability(file, "output_reliability", values.output_reliability)
        : base.output.reliability,
      depth: has("output_depth") ? depth(file, "output_depth", values.output_depth) : base.output.depth,
    },
  };
}
