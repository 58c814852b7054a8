/**
 * The node's ROS parameters: one table with type, default, range and description, declared with
 * descriptors so `ros2 param describe` explains them and rclnodejs enforces ranges, and read into
 * typed settings. Model, provider, topics and QoS are read-only (changing them means a restart);
 * the rest changes at run time through `ros2 param set`.
 */
import {
  LRP_POINTS,
  SALIENCY_METHODS,
  type GraphOptimizationLevel,
  type LrpPoint,
  type ProviderChoice,
  type SaliencyMethod,
} from "../engine/types.js";
import { COLOR_MAPS, type ColorMap } from "../image/colormap.js";
import { isReliabilityName, type QosSettings, RELIABILITY_NAMES } from "./qos.js";
import type { RclApi, RosNode, RosParameter, RosParameterDescriptor, RosRange } from "./ros-api.js";

/** The overlay colour maps of src/image/colormap.ts. */
export type ColorMapName = ColorMap;
export { COLOR_MAPS };
export const PROVIDERS: readonly ProviderChoice[] = ["auto", "cpu", "cuda", "tensorrt", "webgpu"];
export const GRAPH_OPTIMIZATION_LEVELS: readonly GraphOptimizationLevel[] = [
  "disabled",
  "basic",
  "extended",
  "all",
];

type ParameterKind = "bool" | "integer" | "double" | "string" | "string_array";
export type ParameterValue = boolean | number | string | readonly string[];

/** One row of the parameter table. */
export interface ParameterDefinition {
  readonly name: string;
  readonly kind: ParameterKind;
  readonly defaultValue: ParameterValue;
  readonly description: string;
  readonly readOnly: boolean;
  /** Inclusive numeric range. */
  readonly range?: { readonly from: number; readonly to: number };
  /** Allowed strings. */
  readonly choices?: readonly string[];
}

/** Every parameter of visualbackprop_node; config/visualbackprop.yaml mirrors this table. */
export const PARAMETER_DEFINITIONS: readonly ParameterDefinition[] = [
  {
    name: "image_topics",
    kind: "string_array",
    defaultValue: ["/camera/image_raw"],
    description:
      "Camera topics; one ending in /compressed is read as sensor_msgs/CompressedImage (jpeg, png)",
    readOnly: true,
  },
  {
    name: "camera_names",
    kind: "string_array",
    defaultValue: [],
    description: "Output prefix per camera (~/<name>/mask ...); empty: the topic's last namespace segment",
    readOnly: true,
  },
  {
    name: "model",
    kind: "string",
    defaultValue: "",
    description:
      "ONNX steering model (its <model>.json sits beside it); empty: the package's models/pilotnet.onnx",
    readOnly: true,
  },
  {
    name: "provider",
    kind: "string",
    defaultValue: "auto",
    description: "ONNX Runtime execution provider; auto tries GPU providers first, then CPU",
    readOnly: true,
    choices: PROVIDERS,
  },
  {
    name: "method",
    kind: "string",
    defaultValue: "vbp",
    description: "Saliency method: vbp (VisualBackProp), lrp (LRP-epsilon) or gradient (input gradient)",
    readOnly: true,
    choices: SALIENCY_METHODS,
  },
  {
    name: "lrp_epsilon",
    kind: "double",
    defaultValue: 1e-4,
    description: "Epsilon of LRP's stabiliser (method lrp only)",
    readOnly: true,
    range: { from: 1e-12, to: 1 },
  },
  {
    name: "lrp_at",
    kind: "string",
    defaultValue: "input",
    description:
      "Where LRP's relevance is measured (method lrp only): input (through the model's input normalisation) or conv1 (the first convolution's input)",
    readOnly: true,
    choices: LRP_POINTS,
  },
  {
    name: "intra_op_threads",
    kind: "integer",
    defaultValue: 0,
    description: "Threads inside one operator; 0 lets ONNX Runtime choose",
    readOnly: true,
    range: { from: 0, to: 256 },
  },
  {
    name: "inter_op_threads",
    kind: "integer",
    defaultValue: 0,
    description: "Threads across operators; 0 lets ONNX Runtime choose",
    readOnly: true,
    range: { from: 0, to: 256 },
  },
  {
    name: "graph_optimization_level",
    kind: "string",
    defaultValue: "all",
    description: "ONNX Runtime graph optimisation level",
    readOnly: true,
    choices: GRAPH_OPTIMIZATION_LEVELS,
  },
  {
    name: "input_reliability",
    kind: "string",
    defaultValue: "best_effort",
    description: "Reliability of the camera subscriptions (best_effort matches every camera driver)",
    readOnly: true,
    choices: RELIABILITY_NAMES,
  },
  {
    name: "input_depth",
    kind: "integer",
    defaultValue: 1,
    description: "History depth of the camera subscriptions; 1 keeps only the newest image",
    readOnly: true,
    range: { from: 1, to: 100 },
  },
  {
    name: "output_reliability",
    kind: "string",
    defaultValue: "reliable",
    description: "Reliability of the outputs (reliable matches RViz's default and ros2 bag record)",
    readOnly: true,
    choices: RELIABILITY_NAMES,
  },
  {
    name: "output_depth",
    kind: "integer",
    defaultValue: 5,
    description: "History depth of the outputs",
    readOnly: true,
    range: { from: 1, to: 100 },
  },
  {
    name: "sync_window_ms",
    kind: "double",
    defaultValue: 10.0,
    description: "Frames of several cameras arriving within this window go to the engine as one batch",
    readOnly: false,
    range: { from: 0, to: 1000 },
  },
  {
    name: "max_rate_hz",
    kind: "double",
    defaultValue: 0.0,
    description: "Most batches per second; 0 follows the cameras (newer frames replace waiting ones)",
    readOnly: false,
    range: { from: 0, to: 1000 },
  },
  {
    name: "overlay_color_map",
    kind: "string",
    defaultValue: "jet",
    description: "Colour map of the overlay heat map",
    readOnly: false,
    choices: COLOR_MAPS,
  },
  {
    name: "overlay_opacity",
    kind: "double",
    defaultValue: 0.5,
    description: "Opacity of the heat map over the camera image, 0 (image only) to 1 (heat map only)",
    readOnly: false,
    range: { from: 0, to: 1 },
  },
  {
    name: "publish_mask",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/mask (rendered only while someone subscribes)",
    readOnly: false,
  },
  {
    name: "publish_overlay",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/overlay (rendered only while someone subscribes)",
    readOnly: false,
  },
  {
    name: "publish_steering",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/steering",
    readOnly: false,
  },
  {
    name: "publish_saliency",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/saliency",
    readOnly: false,
  },
  {
    name: "publish_layer_masks",
    kind: "bool",
    defaultValue: false,
    description: "Add the per-layer VisualBackProp masks to ~/<camera>/saliency",
    readOnly: false,
  },
  {
    name: "wheelbase_m",
    kind: "double",
    defaultValue: 2.85,
    description: "Wheelbase, metres, for curvature -> steering wheel angle",
    readOnly: false,
    range: { from: 0.5, to: 10 },
  },
  {
    name: "steering_ratio",
    kind: "double",
    defaultValue: 15.0,
    description: "Steering wheel angle per road wheel angle",
    readOnly: false,
    range: { from: 1, to: 40 },
  },
  {
    name: "camera_timeout_s",
    kind: "double",
    defaultValue: 1.0,
    description: "A camera silent this long is reported WARN on /diagnostics",
    readOnly: false,
    range: { from: 0.1, to: 60 },
  },
];

/** Settings fixed at start-up. */
export interface StartupSettings {
  readonly imageTopics: readonly string[];
  readonly cameraNames: readonly string[];
  /** Empty: the package's default model. */
  readonly model: string;
  readonly provider: ProviderChoice;
  readonly method: SaliencyMethod;
  readonly lrpEpsilon: number;
  readonly lrpAt: LrpPoint;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  readonly inputQos: QosSettings;
  readonly outputQos: QosSettings;
}

/** Settings `ros2 param set` may change while the node runs. */
export interface RuntimeSettings {
  readonly syncWindowMs: number;
  readonly maxRateHz: number;
  readonly colorMap: ColorMapName;
  readonly overlayOpacity: number;
  readonly publishMask: boolean;
  readonly publishOverlay: boolean;
  readonly publishSteering: boolean;
  readonly publishSaliency: boolean;
  readonly publishLayerMasks: boolean;
  readonly wheelbaseM: number;
  readonly steeringRatio: number;
  readonly cameraTimeoutS: number;
}

export interface NodeSettings {
  readonly startup: StartupSettings;
  readonly runtime: RuntimeSettings;
}

const DEFINITIONS_BY_NAME: ReadonlyMap<string, ParameterDefinition> = new Map(
  PARAMETER_DEFINITIONS.map((definition) => [definition.name, definition]),
);

export function findParameterDefinition(name: string): ParameterDefinition | undefined {
  return DEFINITIONS_BY_NAME.get(name);
}

function rosType(rcl: RclApi, kind: ParameterKind): number {
  const types = rcl.ParameterType;
  switch (kind) {
    case "bool":
      return types.PARAMETER_BOOL;
    case "integer":
      return types.PARAMETER_INTEGER;
    case "double":
      return types.PARAMETER_DOUBLE;
    case "string":
      return types.PARAMETER_STRING;
    case "string_array":
      return types.PARAMETER_STRING_ARRAY;
  }
}

function kindName(rcl: RclApi, type: number): string {
  const entry = Object.entries(rcl.ParameterType).find(([, value]) => value === type);
  return entry === undefined ? `type ${type}` : entry[0].replace("PARAMETER_", "").toLowerCase();
}

/** rclnodejs's representation of a value: integers are bigint, arrays are copied. */
function toRosValue(definition: ParameterDefinition, value: ParameterValue): unknown {
  if (definition.kind === "integer" && typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) return [...value];
  return value;
}

/**
 * Reads a parameter's value in the definition's kind, or returns a reason it does not fit:
 * wrong type, outside the range, or not one of the choices.
 */
export function readParameterValue(
  rcl: RclApi,
  definition: ParameterDefinition,
  parameter: RosParameter,
): { value: ParameterValue } | { reason: string } {
  const expected = rosType(rcl, definition.kind);
  if (parameter.type !== expected) {
    const hint = definition.kind === "double" ? " (write doubles with a decimal point, e.g. 1.0)" : "";
    return {
      reason: `${definition.name} must be ${definition.kind}, got ${kindName(rcl, parameter.type)}${hint}`,
    };
  }
  const raw = parameter.value;
  let value: ParameterValue;
  switch (definition.kind) {
    case "bool":
      if (typeof raw !== "boolean") return { reason: `${definition.name} must be a bool` };
      value = raw;
      break;
    case "integer":
      if (typeof raw !== "bigint" && !(typeof raw === "number" && Number.isInteger(raw))) {
        return { reason: `${definition.name} must be an integer` };
      }
      value = Number(raw);
      break;
    case "double":
      if (typeof raw !== "number" || !Number.isFinite(raw))
        return { reason: `${definition.name} must be a finite double` };
      value = raw;
      break;
    case "string":
      if (typeof raw !== "string") return { reason: `${definition.name} must be a string` };
      value = raw;
      break;
    case "string_array":
      if (!Array.isArray(raw) || !raw.every((item): item is string => typeof item === "string")) {
        return { reason: `${definition.name} must be a list of strings` };
      }
      value = [...raw];
      break;
  }
  if (definition.range !== undefined && typeof value === "number") {
    const { from, to } = definition.range;
    if (value < from || value > to)
      return { reason: `${definition.name} must be in [${from}, ${to}], got ${value}` };
  }
  if (definition.choices !== undefined && typeof value === "string" && !definition.choices.includes(value)) {
    return { reason: `${definition.name} must be one of ${definition.choices.join(", ")}, got "${value}"` };
  }
  return { value };
}

function buildDescriptor(rcl: RclApi, definition: ParameterDefinition): RosParameterDescriptor {
  let range: RosRange | undefined;
  if (definition.range !== undefined) {
    range =
      definition.kind === "integer"
        ? new rcl.IntegerRange(BigInt(definition.range.from), BigInt(definition.range.to), 1n)
        : // step 0: any value in the range (rclnodejs's default step is 1).
          new rcl.FloatingPointRange(definition.range.from, definition.range.to, 0);
  }
  const descriptor = new rcl.ParameterDescriptor(
    definition.name,
    rosType(rcl, definition.kind),
    definition.description,
    definition.readOnly,
    range,
  );
  if (definition.choices !== undefined)
    descriptor.additionalConstraints = `one of: ${definition.choices.join(", ")}`;
  return descriptor;
}

/**
 * An integer given for a double parameter (`overlay_opacity: 1` in YAML, `-p max_rate_hz:=10`)
 * would make rclnodejs refuse the declaration; it is taken as the double it means.
 */
function coercedOverride(
  rcl: RclApi,
  node: RosNode,
  definition: ParameterDefinition,
): RosParameter | undefined {
  if (definition.kind !== "double") return undefined;
  const override = node.getParameterOverrides().find((parameter) => parameter.name === definition.name);
  if (override === undefined || override.type !== rcl.ParameterType.PARAMETER_INTEGER) return undefined;
  const raw = override.value;
  if (typeof raw !== "bigint" && typeof raw !== "number") return undefined;
  return new rcl.Parameter(definition.name, rcl.ParameterType.PARAMETER_DOUBLE, Number(raw));
}

function declareOne(rcl: RclApi, node: RosNode, definition: ParameterDefinition): ParameterValue {
  const descriptor = buildDescriptor(rcl, definition);
  const coerced = coercedOverride(rcl, node, definition);
  const parameter =
    coerced ??
    new rcl.Parameter(
      definition.name,
      rosType(rcl, definition.kind),
      toRosValue(definition, definition.defaultValue),
    );
  let declared: RosParameter;
  try {
    declared = node.declareParameter(parameter, descriptor, coerced !== undefined);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`parameter ${definition.name}: ${detail}`, { cause: error });
  }
  const read = readParameterValue(rcl, definition, declared);
  if ("reason" in read) throw new Error(`parameter ${read.reason}`);
  return read.value;
}

function asString(values: ReadonlyMap<string, ParameterValue>, name: string): string {
  const value = values.get(name);
  if (typeof value !== "string") throw new Error(`parameter ${name} is missing`);
  return value;
}

function asNumber(values: ReadonlyMap<string, ParameterValue>, name: string): number {
  const value = values.get(name);
  if (typeof value !== "number") throw new Error(`parameter ${name} is missing`);
  return value;
}

function asBool(values: ReadonlyMap<string, ParameterValue>, name: string): boolean {
  const value = values.get(name);
  if (typeof value !== "boolean") throw new Error(`parameter ${name} is missing`);
  return value;
}

function asStrings(values: ReadonlyMap<string, ParameterValue>, name: string): readonly string[] {
  const value = values.get(name);
  if (!Array.isArray(value)) throw new Error(`parameter ${name} is missing`);
  return value.filter((item): item is string => typeof item === "string");
}

function pick<T extends string>(choices: readonly T[], value: string, name: string): T {
  const found = choices.find((choice) => choice === value);
  if (found === undefined)
    throw new Error(`parameter ${name} must be one of ${choices.join(", ")}, got "${value}"`);
  return found;
}

function reliability(values: ReadonlyMap<string, ParameterValue>, name: string): QosSettings["reliability"] {
  const value = asString(values, name);
  if (!isReliabilityName(value))
    throw new Error(`parameter ${name} must be best_effort or reliable, got "${value}"`);
  return value;
}

/** Settings from a complete set of parameter values (default, override or `ros2 param set`). */
export function settingsFromValues(values: ReadonlyMap<string, ParameterValue>): NodeSettings {
  return {
    startup: {
      imageTopics: asStrings(values, "image_topics"),
      cameraNames: asStrings(values, "camera_names"),
      model: asString(values, "model"),
      provider: pick(PROVIDERS, asString(values, "provider"), "provider"),
      method: pick(SALIENCY_METHODS, asString(values, "method"), "method"),
      lrpEpsilon: asNumber(values, "lrp_epsilon"),
      lrpAt: pick(LRP_POINTS, asString(values, "lrp_at"), "lrp_at"),
      intraOpThreads: asNumber(values, "intra_op_threads"),
      interOpThreads: asNumber(values, "inter_op_threads"),
      graphOptimizationLevel: pick(
        GRAPH_OPTIMIZATION_LEVELS,
        asString(values, "graph_optimization_level"),
        "graph_optimization_level",
      ),
      inputQos: {
        reliability: reliability(values, "input_reliability"),
        depth: asNumber(values, "input_depth"),
      },
      outputQos: {
        reliability: reliability(values, "output_reliability"),
        depth: asNumber(values, "output_depth"),
      },
    },
    runtime: {
      syncWindowMs: asNumber(values, "sync_window_ms"),
      maxRateHz: asNumber(values, "max_rate_hz"),
      colorMap: pick(COLOR_MAPS, asString(values, "overlay_color_map"), "overlay_color_map"),
      overlayOpacity: asNumber(values, "overlay_opacity"),
      publishMask: asBool(values, "publish_mask"),
      publishOverlay: asBool(values, "publish_overlay"),
      publishSteering: asBool(values, "publish_steering"),
      publishSaliency: asBool(values, "publish_saliency"),
      publishLayerMasks: asBool(values, "publish_layer_masks"),
      wheelbaseM: asNumber(values, "wheelbase_m"),
      steeringRatio: asNumber(values, "steering_ratio"),
      cameraTimeoutS: asNumber(values, "camera_timeout_s"),
    },
  };
}

/** The default value of every parameter, by name. */
export function defaultParameterValues(): Map<string, ParameterValue> {
  return new Map(PARAMETER_DEFINITIONS.map((definition) => [definition.name, definition.defaultValue]));
}

/**
 * Declares each parameter of a table with its descriptor (overrides from `--params-file` / `-p`
 * apply) and returns the values by name. Throws one Error naming the parameter when a value does
 * not fit. Every executable of the package declares its parameters through this.
 */
export function declareParameters(
  rcl: RclApi,
  node: RosNode,
  definitions: readonly ParameterDefinition[],
): Map<string, ParameterValue> {
  return new Map(definitions.map((definition) => [definition.name, declareOne(rcl, node, definition)]));
}

/** Declares visualbackprop_node's parameters and reads them into settings. */
export function declareNodeParameters(
  rcl: RclApi,
  node: RosNode,
): { values: Map<string, ParameterValue>; settings: NodeSettings } {
  const values = declareParameters(rcl, node, PARAMETER_DEFINITIONS);
  return { values, settings: settingsFromValues(values) };
}
