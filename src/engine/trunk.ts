import {
  intAttribute,
  intsAttribute,
  OnnxDim,
  OnnxModel,
  OnnxNode,
  stringAttribute,
} from "../onnx/onnx-model";
import { autoPadding, convOutputLength, Size2, SpatialOp } from "./geometry";

/** Activations whose output after a convolution is a VisualBackProp feature map. */
const ACTIVATIONS = new Set([
  "Relu",
  "LeakyRelu",
  "PRelu",
  "Elu",
  "Selu",
  "Celu",
  "Clip",
  "Softplus",
  "Sigmoid",
  "Tanh",
  "HardSigmoid",
  "HardSwish",
  "Mish",
  "Gelu",
  "ThresholdedRelu",
]);

/** Point-wise operations that may stand between a convolution and its activation. */
const AFFINE = new Set(["BatchNormalization", "Add", "Sub", "Mul", "Div", "Identity", "Dropout"]);

export interface FeatureMap {
  /** The activation's output tensor. */
  readonly tensor: string;
  readonly convNode: string;
  readonly activationNode: string;
  /** The convolution's output channels, where its weights are a constant the graph states; else undefined. */
  readonly channels: number | undefined;
  readonly height: number;
  readonly width: number;
}

/** Where VisualBackProp reads the model: the input, the feature maps and the geometry between them. */
export interface VbpPlan {
  readonly input: {
    readonly name: string;
    readonly batchDim: OnnxDim;
    readonly channels: number;
    readonly height: number;
    readonly width: number;
  };
  /** Shallowest first. */
  readonly featureMaps: readonly FeatureMap[];
  /** `opsBefore[i]`: spatial operations, in forward order, from the previous map (or the input) to map i. */
  readonly opsBefore: readonly (readonly SpatialOp[])[];
}

/** Thrown for graphs VisualBackProp cannot be applied to; the message names the node and why. */
export class UnsupportedModelError extends Error {
  override name = "UnsupportedModelError";
}

/** Walks the model's convolutional trunk from its input to the deepest feature map. */
export function analyseTrunk(model: OnnxModel): VbpPlan {
  const { graph } = model;
  if (graph.inputs.length !== 1) {
    throw new UnsupportedModelError(
      `the model has ${graph.inputs.length} inputs (${graph.inputs.map((i) => `'${i.name}'`).join(", ")}); ` +
        `VisualBackProp needs exactly one image input`,
    );
  }
  const input = graph.inputs[0];
  const shape = input.shape;
  if (shape === undefined || shape.length !== 4) {
    throw new UnsupportedModelError(
      `input '${input.name}' has ${shape === undefined ? "no shape" : `${shape.length} dimensions`}; ` +
        `expected a 4-D image tensor (N, C, H, W)`,
    );
  }
  const [batchDim, channels, height, width] = shape;
  if (typeof channels !== "number" || typeof height !== "number" || typeof width !== "number") {
    throw new UnsupportedModelError(
      `input '${input.name}' has shape [${shape.join(", ")}]; channels, height and width must be fixed sizes`,
    );
  }
  if (input.elemType !== 1) {
    throw new UnsupportedModelError(
      `input '${input.name}' is not float32 (ONNX element type ${input.elemType})`,
    );
  }

  const constants = new Set<string>(graph.initializers.keys());
  const constantNodes = new Map<string, OnnxNode>();
  for (const node of graph.nodes) {
    if (node.opType === "Constant") {
      constants.add(node.outputs[0]);
      constantNodes.set(node.outputs[0], node);
    }
  }
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of graph.nodes) {
    for (const name of new Set(node.inputs)) {
      if (name === "" || constants.has(name)) continue;
      const list = consumers.get(name) ?? [];
      list.push(node);
      consumers.set(name, list);
    }
  }
  const convolutionDownstream = (tensor: string): boolean => {
    const seen = new Set<string>();
    const stack = [tensor];
    while (stack.length > 0) {
      const t = stack.pop() as string;
      for (const node of consumers.get(t) ?? []) {
        if (node.opType === "Conv" || node.opType === "ConvTranspose") return true;
        for (const out of node.outputs) {
          if (!seen.has(out)) {
            seen.add(out);
            stack.push(out);
          }
        }
      }
    }
    return false;
  };

  const featureMaps: FeatureMap[] = [];
  const opsBefore: SpatialOp[][] = [];
  let pending: SpatialOp[] = [];
  let size: Size2 = [height, width];
  let lastConv: OnnxNode | undefined;
  let awaitingActivation = false;
  let convolutions = 0;
  let tensor = input.name;

  for (;;) {
    const next = consumers.get(tensor) ?? [];
    if (next.length === 0) break;
    if (next.length > 1) {
      if (!convolutionDownstream(tensor)) break;
      throw new UnsupportedModelError(
        `tensor '${tensor}' feeds ${next.length} nodes (${next.map((n) => `'${n.name}'`).join(", ")}) before the ` +
          `last convolution; VisualBackProp needs a single chain of layers (branches and residual connections are not supported)`,
      );
    }
    const node = next[0];
    for (const other of node.inputs) {
      if (other !== tensor && other !== "" && !constants.has(other)) {
        throw new UnsupportedModelError(
          `node '${node.name}' (${node.opType}) combines '${tensor}' with '${other}', which the graph computes; ` +
            `branches and residual connections are not supported`,
        );
      }
    }
    const op = node.opType;
    if (node.domain !== "" && node.domain !== "ai.onnx") {
      if (convolutionDownstream(tensor)) {
        throw new UnsupportedModelError(
          `node '${node.name}' is of the custom domain '${node.domain}' and is not supported`,
        );
      }
      break;
    }
    if (op === "Conv" || op === "MaxPool" || op === "AveragePool") {
      const spatial = poolingOrConv(node, size);
      pending.push(spatial);
      size = spatial.outputSize;
      if (op === "Conv") {
        convolutions++;
        lastConv = node;
        awaitingActivation = true;
      } else {
        awaitingActivation = false;
      }
    } else if (op === "Pad") {
      const spatial = padOp(node, size, model.opsetVersion, graph.initializers, constantNodes);
      pending.push(spatial);
      size = spatial.outputSize;
      awaitingActivation = false;
    } else if (ACTIVATIONS.has(op)) {
      if (awaitingActivation && lastConv !== undefined) {
        featureMaps.push({
          tensor: node.outputs[0],
          convNode: lastConv.name,
          activationNode: node.name,
          channels: outputChannels(lastConv, graph.initializers, constantNodes),
          height: size[0],
          width: size[1],
        });
        opsBefore.push(pending);
        pending = [];
      }
      awaitingActivation = false;
    } else if (AFFINE.has(op)) {
      // Shape-preserving; a BatchNormalization or a constant scale may sit between Conv and activation.
    } else {
      if (convolutionDownstream(tensor)) {
        throw new UnsupportedModelError(
          `node '${node.name}' (${op}) stands between convolutions; VisualBackProp supports Conv, MaxPool, ` +
            `AveragePool, Pad, BatchNormalization, point-wise constants and activations there`,
        );
      }
      break;
    }
    tensor = node.outputs[0];
  }

  if (featureMaps.length === 0) {
    throw new UnsupportedModelError(
      convolutions === 0
        ? `the model has no convolution on the path from input '${input.name}': nothing to visualise`
        : `no activation follows any convolution after input '${input.name}': there are no feature maps to visualise`,
    );
  }
  return { input: { name: input.name, batchDim, channels, height, width }, featureMaps, opsBefore };
}

function pair(values: number[], node: OnnxNode, name: string): Size2 {
  if (values.length !== 2) {
    throw new UnsupportedModelError(
      `node '${node.name}' (${node.opType}): attribute '${name}' has ${values.length} values; only 2-D operations are supported`,
    );
  }
  return [values[0], values[1]];
}

function poolingOrConv(node: OnnxNode, inputSize: Size2): SpatialOp {
  const kernel = pair(intsAttribute(node, "kernel_shape", []), node, "kernel_shape");
  const strides = pair(intsAttribute(node, "strides", [1, 1]), node, "strides");
  const dilations = pair(intsAttribute(node, "dilations", [1, 1]), node, "dilations");
  const autoPad = stringAttribute(node, "auto_pad", "NOTSET");
  const ceilMode = intAttribute(node, "ceil_mode", 0) === 1;
  let pads: [number, number, number, number];
  if (autoPad === "NOTSET") {
    const p = intsAttribute(node, "pads", [0, 0, 0, 0]);
    if (p.length !== 4) {
      throw new UnsupportedModelError(
        `node '${node.name}' (${node.opType}): 'pads' must have 4 values for 2-D`,
      );
    }
    pads = [p[0], p[1], p[2], p[3]];
  } else if (["SAME_UPPER", "SAME_LOWER", "VALID"].includes(autoPad)) {
    const [top, bottom] = autoPadding(autoPad, inputSize[0], kernel[0], strides[0], dilations[0]);
    const [left, right] = autoPadding(autoPad, inputSize[1], kernel[1], strides[1], dilations[1]);
    pads = [top, left, bottom, right];
  } else {
    throw new UnsupportedModelError(`node '${node.name}' (${node.opType}): unknown auto_pad '${autoPad}'`);
  }
  const outputSize: Size2 = [
    convOutputLength(inputSize[0], kernel[0], strides[0], dilations[0], pads[0], pads[2], ceilMode),
    convOutputLength(inputSize[1], kernel[1], strides[1], dilations[1], pads[1], pads[3], ceilMode),
  ];
  if (outputSize[0] < 1 || outputSize[1] < 1) {
    throw new UnsupportedModelError(
      `node '${node.name}' (${node.opType}) turns a ${inputSize[0]}x${inputSize[1]} map into ${outputSize[0]}x${outputSize[1]}`,
    );
  }
  return {
    node: node.name,
    opType: node.opType as SpatialOp["opType"],
    kernel,
    strides,
    dilations,
    pads,
    inputSize,
    outputSize,
  };
}

function padOp(
  node: OnnxNode,
  inputSize: Size2,
  opset: number,
  initializers: OnnxModel["graph"]["initializers"],
  constantNodes: Map<string, OnnxNode>,
): SpatialOp {
  let pads: readonly number[] | undefined;
  if (opset < 11) {
    pads = intsAttribute(node, "pads", []);
  } else {
    const name = node.inputs[1];
    const tensor = initializers.get(name);
    const constant = constantNodes.get(name)?.attributes.get("value");
    const constantPads = typeof constant === "object" && "dims" in constant ? constant.intData : undefined;
    pads = tensor?.intData ?? constantPads;
    if (node.inputs.length > 3 && node.inputs[3] !== "") {
      throw new UnsupportedModelError(`node '${node.name}' (Pad) uses 'axes', which is not supported`);
    }
  }
  if (pads === undefined || pads.length !== 8) {
    throw new UnsupportedModelError(
      `node '${node.name}' (Pad): expected 8 constant pad values for a 4-D tensor`,
    );
  }
  if (pads[0] !== 0 || pads[1] !== 0 || pads[4] !== 0 || pads[5] !== 0) {
    throw new UnsupportedModelError(`node '${node.name}' (Pad) pads the batch or channel axis`);
  }
  if (pads.some((p) => p < 0)) {
    throw new UnsupportedModelError(
      `node '${node.name}' (Pad) has negative pads (cropping), which is not supported`,
    );
  }
  const [top, left, bottom, right] = [pads[2], pads[3], pads[6], pads[7]];
  return {
    node: node.name,
    opType: "Pad",
    kernel: [1, 1],
    strides: [1, 1],
    dilations: [1, 1],
    // Padding by p is undone by a transposed 1x1 convolution with padding p, which crops p.
    pads: [top, left, bottom, right],
    inputSize,
    outputSize: [inputSize[0] + top + bottom, inputSize[1] + left + right],
  };
}

/** A convolution's output channel count, from the first dimension of its constant weights. */
function outputChannels(
  conv: OnnxNode,
  initializers: OnnxModel["graph"]["initializers"],
  constantNodes: Map<string, OnnxNode>,
): number | undefined {
  const weights = conv.inputs[1];
  const constant = constantNodes.get(weights)?.attributes.get("value");
  const dims =
    initializers.get(weights)?.dims ??
    (typeof constant === "object" && "dims" in constant ? constant.dims : undefined);
  return dims !== undefined && dims.length === 4 && dims[0] > 0 ? dims[0] : undefined;
}
