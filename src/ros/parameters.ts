/**
 * The node's ROS parameters: one table, keyed by the settings field each fills, with type,
 * default, range and description. The settings types are derived from it, the values are checked
 * against it in one place (`parameter-definition.ts`), and it is declared with descriptors so
 * `ros2 param describe` explains each parameter and rclnodejs enforces ranges. Model, provider,
 * topics and QoS are read-only (changing them means a restart); the rest changes at run time
 * through `ros2 param set`.
 */
import {
  LRP_POINTS,
  SALIENCY_METHODS,
  type GraphOptimizationLevel,
  type ProviderChoice,
} from "../engine/types";
import { COLOR_MAPS, type ColorMap } from "../image/colormap";
import { declareParameters } from "./parameter-declaration";
import { checkParameterValue, type ParameterDefinition, type ParameterValue } from "./parameter-definition";
import { type QosSettings, RELIABILITY_NAMES } from "./qos";
import type { RclApi, RosNode } from "./ros-api";

export type { ParameterDefinition, ParameterValue } from "./parameter-definition";
export { declareParameters, readParameterValue } from "./parameter-declaration";

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

/** A row of the node's table: which settings group its field belongs to. */
interface NodeParameter extends ParameterDefinition {
  readonly group: "startup" | "runtime";
}

/** Every parameter of visualbackprop_node, by settings field; config/visualbackprop.yaml mirrors it. */
export const NODE_PARAMETERS = {
  imageTopics: {
    group: "startup",
    name: "image_topics",
    kind: "string_array",
    defaultValue: ["/camera/image_raw"],
    description:
      "Camera topics; one ending in /compressed is read as sensor_msgs/CompressedImage (jpeg, png)",
    readOnly: true,
  },
  cameraNames: {
    group: "startup",
    name: "camera_names",
    kind: "string_array",
    defaultValue: [],
    description: "Output prefix per camera (~/<name>/mask ...); empty: the topic's last namespace segment",
    readOnly: true,
  },
  model: {
    group: "startup",
    name: "model",
    kind: "string",
    defaultValue: "",
    description:
      "ONNX steering model (its <model>.json sits beside it); empty: the package's models/pilotnet.onnx",
    readOnly: true,
  },
  compareModel: {
    group: "startup",
    name: "compare_model",
    kind: "string",
    defaultValue: "",
    description:
      "A second ONNX steering model (its <model>.json beside it) compared with model on the same frames, " +
      "while someone subscribes to ~/<camera>/compare/...; empty: no comparison",
    readOnly: true,
  },
  provider: {
    group: "startup",
    name: "provider",
    kind: "string",
    defaultValue: "auto",
    description: "ONNX Runtime execution provider; auto tries GPU providers first, then CPU",
    readOnly: true,
    choices: PROVIDERS,
  },
  method: {
    group: "startup",
    name: "method",
    kind: "string",
    defaultValue: "vbp",
    description: "Saliency method: vbp (VisualBackProp), lrp (LRP-epsilon) or gradient (input gradient)",
    readOnly: true,
    choices: SALIENCY_METHODS,
  },
  lrpEpsilon: {
    group: "startup",
    name: "lrp_epsilon",
    kind: "double",
    defaultValue: 1e-4,
    description: "Epsilon of LRP's stabiliser (method lrp only)",
    readOnly: true,
    range: { from: 1e-12, to: 1 },
  },
  lrpAt: {
    group: "startup",
    name: "lrp_at",
    kind: "string",
    defaultValue: "input",
    description:
      "Where LRP's relevance is measured (method lrp only): input (through the model's input normalisation) or conv1 (the first convolution's input)",
    readOnly: true,
    choices: LRP_POINTS,
  },
  intraOpThreads: {
    group: "startup",
    name: "intra_op_threads",
    kind: "integer",
    defaultValue: 0,
    description: "Threads inside one operator; 0 lets ONNX Runtime choose",
    readOnly: true,
    range: { from: 0, to: 256 },
  },
  interOpThreads: {
    group: "startup",
    name: "inter_op_threads",
    kind: "integer",
    defaultValue: 0,
    description: "Threads across operators; 0 lets ONNX Runtime choose",
    readOnly: true,
    range: { from: 0, to: 256 },
  },
  graphOptimizationLevel: {
    group: "startup",
    name: "graph_optimization_level",
    kind: "string",
    defaultValue: "all",
    description: "ONNX Runtime graph optimisation level",
    readOnly: true,
    choices: GRAPH_OPTIMIZATION_LEVELS,
  },
  inputReliability: {
    group: "startup",
    name: "input_reliability",
    kind: "string",
    defaultValue: "best_effort",
    description: "Reliability of the camera subscriptions (best_effort matches every camera driver)",
    readOnly: true,
    choices: RELIABILITY_NAMES,
  },
  inputDepth: {
    group: "startup",
    name: "input_depth",
    kind: "integer",
    defaultValue: 1,
    description: "History depth of the camera subscriptions; 1 keeps only the newest image",
    readOnly: true,
    range: { from: 1, to: 100 },
  },
  outputReliability: {
    group: "startup",
    name: "output_reliability",
    kind: "string",
    defaultValue: "reliable",
    description: "Reliability of the outputs (reliable matches RViz's default and ros2 bag record)",
    readOnly: true,
    choices: RELIABILITY_NAMES,
  },
  outputDepth: {
    group: "startup",
    name: "output_depth",
    kind: "integer",
    defaultValue: 5,
    description: "History depth of the outputs",
    readOnly: true,
    range: { from: 1, to: 100 },
  },
  syncWindowMs: {
    group: "runtime",
    name: "sync_window_ms",
    kind: "double",
    defaultValue: 10.0,
    description: "Frames of several cameras arriving within this window go to the engine as one batch",
    readOnly: false,
    range: { from: 0, to: 1000 },
  },
  maxRateHz: {
    group: "runtime",
    name: "max_rate_hz",
    kind: "double",
    defaultValue: 0.0,
    description: "Most batches per second; 0 follows the cameras (newer frames replace waiting ones)",
    readOnly: false,
    range: { from: 0, to: 1000 },
  },
  colorMap: {
    group: "runtime",
    name: "overlay_color_map",
    kind: "string",
    defaultValue: "jet",
    description: "Colour map of the overlay heat map",
    readOnly: false,
    choices: COLOR_MAPS,
  },
  overlayOpacity: {
    group: "runtime",
    name: "overlay_opacity",
    kind: "double",
    defaultValue: 0.5,
    description: "Opacity of the heat map over the camera image, 0 (image only) to 1 (heat map only)",
    readOnly: false,
    range: { from: 0, to: 1 },
  },
  publishMask: {
    group: "runtime",
    name: "publish_mask",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/mask (rendered only while someone subscribes)",
    readOnly: false,
  },
  publishOverlay: {
    group: "runtime",
    name: "publish_overlay",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/overlay (rendered only while someone subscribes)",
    readOnly: false,
  },
  publishSteering: {
    group: "runtime",
    name: "publish_steering",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/steering",
    readOnly: false,
  },
  publishSaliency: {
    group: "runtime",
    name: "publish_saliency",
    kind: "bool",
    defaultValue: true,
    description: "Publish ~/<camera>/saliency",
    readOnly: false,
  },
  publishLayerMasks: {
    group: "runtime",
    name: "publish_layer_masks",
    kind: "bool",
    defaultValue: false,
    description: "Add the per-layer VisualBackProp masks to ~/<camera>/saliency",
    readOnly: false,
  },
  wheelbaseM: {
    group: "runtime",
    name: "wheelbase_m",
    kind: "double",
    defaultValue: 2.85,
    description: "Wheelbase, metres, for curvature -> steering wheel angle",
    readOnly: false,
    range: { from: 0.5, to: 10 },
  },
  steeringRatio: {
    group: "runtime",
    name: "steering_ratio",
    kind: "double",
    defaultValue: 15.0,
    description: "Steering wheel angle per road wheel angle",
    readOnly: false,
    range: { from: 1, to: 40 },
  },
  cameraTimeoutS: {
    group: "runtime",
    name: "camera_timeout_s",
    kind: "double",
    defaultValue: 1.0,
    description: "A camera silent this long is reported WARN on /diagnostics",
    readOnly: false,
    range: { from: 0.1, to: 60 },
  },
  compareSteeringThreshold: {
    group: "runtime",
    name: "compare_steering_threshold",
    kind: "double",
    defaultValue: 0.005,
    description:
      "With compare_model: a frame whose two curvatures differ by more than this, 1/m, counts as a steering disagreement on /diagnostics",
    readOnly: false,
    range: { from: 0, to: 1 },
  },
  compareMaskThreshold: {
    group: "runtime",
    name: "compare_mask_threshold",
    kind: "double",
    defaultValue: 0.1,
    description:
      "With compare_model: a frame whose masks differ by more than this (mean absolute difference, 0..1) counts as a look disagreement on /diagnostics",
    readOnly: false,
    range: { from: 0, to: 1 },
  },
} as const satisfies Record<string, NodeParameter>;

type Table = typeof NODE_PARAMETERS;

/** The settings type of a row: its choices, else what its kind holds. */
type ValueOf<D> = D extends { readonly choices: readonly (infer C)[] }
  ? C
  : D extends { readonly kind: "bool" }
    ? boolean
    : D extends { readonly kind: "integer" | "double" }
      ? number
      : D extends { readonly kind: "string" }
        ? string
        : readonly string[];

type Group<G extends NodeParameter["group"]> = {
  readonly [K in keyof Table as Table[K]["group"] extends G ? K : never]: ValueOf<Table[K]>;
};

type QosFields = "inputReliability" | "inputDepth" | "outputReliability" | "outputDepth";

/** Settings fixed at start-up (the QoS rows gathered into the two profiles). */
export type StartupSettings = Omit<Group<"startup">, QosFields> & {
  readonly inputQos: QosSettings;
  readonly outputQos: QosSettings;
};

/** Settings `ros2 param set` may change while the node runs. */
export type RuntimeSettings = Group<"runtime">;

export interface NodeSettings {
  readonly startup: StartupSettings;
  readonly runtime: RuntimeSettings;
}

/** Every row, in table order: what is declared, documented and mirrored in the YAML file. */
export const PARAMETER_DEFINITIONS: readonly ParameterDefinition[] = Object.values(NODE_PARAMETERS);

const DEFINITIONS_BY_NAME: ReadonlyMap<string, ParameterDefinition> = new Map(
  PARAMETER_DEFINITIONS.map((definition) => [definition.name, definition]),
);

export function findParameterDefinition(name: string): ParameterDefinition | undefined {
  return DEFINITIONS_BY_NAME.get(name);
}

/** The checked values of one group's rows, by settings field; throws naming the first bad one. */
function groupValues<G extends NodeParameter["group"]>(
  values: ReadonlyMap<string, ParameterValue>,
  group: G,
): Group<G> {
  const out: Record<string, ParameterValue> = {};
  for (const [field, definition] of Object.entries(NODE_PARAMETERS) as [string, NodeParameter][]) {
    if (definition.group !== group) continue;
    const checked = checkParameterValue(definition, values.get(definition.name));
    if ("reason" in checked) throw new Error(`parameter ${checked.reason}`);
    out[field] = checked.value;
  }
  // Each field was checked against its row's kind and choices, which is what Group<G> says.
  return out as Group<G>;
}

/** Settings from a complete set of parameter values (default, override or `ros2 param set`). */
export function settingsFromValues(values: ReadonlyMap<string, ParameterValue>): NodeSettings {
  const { inputReliability, inputDepth, outputReliability, outputDepth, ...startup } = groupValues(
    values,
    "startup",
  );
  return {
    startup: {
      ...startup,
      inputQos: { reliability: inputReliability, depth: inputDepth },
      outputQos: { reliability: outputReliability, depth: outputDepth },
    },
    runtime: groupValues(values, "runtime"),
  };
}

/** The default value of every parameter, by name. */
export function defaultParameterValues(): Map<string, ParameterValue> {
  return new Map(PARAMETER_DEFINITIONS.map((definition) => [definition.name, definition.defaultValue]));
}

/** Declares visualbackprop_node's parameters and reads them into settings. */
export function declareNodeParameters(
  rcl: RclApi,
  node: RosNode,
): { values: Map<string, ParameterValue>; settings: NodeSettings } {
  const values = declareParameters(rcl, node, PARAMETER_DEFINITIONS);
  return { values, settings: settingsFromValues(values) };
}
