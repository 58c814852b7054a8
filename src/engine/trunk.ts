/**
 * VisualBackProp's view of a model: the convolutional trunk from the input to the deepest feature
 * map, with the spatial operations between maps. Built from the shared analysis (`model-graph.ts`,
 * `node-geometry.ts`) that LRP and the gradient build their layer chain from.
 */
import { OnnxModel, OnnxNode } from "../onnx/onnx-model";
import { Size2, SpatialOp } from "./geometry";
import { Constants, ImageInput, ModelGraph } from "./model-graph";
import { padQuad, pair, windowOf } from "./node-geometry";
import { UnsupportedModelError } from "./unsupported-model";

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
  readonly input: ImageInput;
  /** Shallowest first. */
  readonly featureMaps: readonly FeatureMap[];
  /** `opsBefore[i]`: spatial operations, in forward order, from the previous map (or the input) to map i. */
  readonly opsBefore: readonly (readonly SpatialOp[])[];
}

/** Walks the model's convolutional trunk from its input to the deepest feature map. */
export function analyseTrunk(model: OnnxModel): VbpPlan {
  const analysis = new ModelGraph(model, "VisualBackProp");
  const { input, constants } = analysis;
  const { height, width } = input;

  const featureMaps: FeatureMap[] = [];
  const opsBefore: SpatialOp[][] = [];
  let pending: SpatialOp[] = [];
  let size: Size2 = [height, width];
  let lastConv: OnnxNode | undefined;
  let awaitingActivation = false;
  let convolutions = 0;
  let tensor = input.name;

  for (;;) {
    const next = analysis.consumers(tensor);
    if (next.length === 0) break;
    if (next.length > 1) {
      if (!analysis.convolutionDownstream(tensor)) break;
      throw new UnsupportedModelError(
        `tensor '${tensor}' feeds ${next.length} nodes (${next.map((n) => `'${n.name}'`).join(", ")}) before the ` +
          `last convolution; VisualBackProp needs a single chain of layers (branches and residual connections are not supported)`,
      );
    }
    const node = next[0];
    analysis.checkSingleInput(node, tensor, "branches and residual connections are not supported");
    const op = node.opType;
    if (node.domain !== "" && node.domain !== "ai.onnx") {
      if (analysis.convolutionDownstream(tensor)) {
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
      const spatial = padOp(node, size, model.opsetVersion, constants);
      pending.push(spatial);
      size = spatial.outputSize;
      awaitingActivation = false;
    } else if (ACTIVATIONS.has(op)) {
      if (awaitingActivation && lastConv !== undefined) {
        featureMaps.push({
          tensor: node.outputs[0],
          convNode: lastConv.name,
          activationNode: node.name,
          channels: outputChannels(lastConv, constants),
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
      if (analysis.convolutionDownstream(tensor)) {
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
  return { input, featureMaps, opsBefore };
}

function poolingOrConv(node: OnnxNode, inputSize: Size2): SpatialOp {
  const { window, out } = windowOf(node, inputSize, pair(node, "kernel_shape", []));
  return {
    node: node.name,
    opType: node.opType as SpatialOp["opType"],
    ...window,
    inputSize,
    outputSize: out,
  };
}

function padOp(node: OnnxNode, inputSize: Size2, opset: number, constants: Constants): SpatialOp {
  const [top, left, bottom, right] = padQuad(node, opset, constants);
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
function outputChannels(conv: OnnxNode, constants: Constants): number | undefined {
  const dims = constants.dims(conv.inputs[1]);
  return dims !== undefined && dims.length === 4 && dims[0] > 0 ? dims[0] : undefined;
}
