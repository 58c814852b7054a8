import { OnnxModel, OnnxNode } from "../onnx/onnx-model";
import { AffineLayer, ConvLayer, DenseLayer, ItemShape, Layer, LayerChain } from "./chain-layers";
import { flattenedShape, parseAffine, parseConv, parseDense, parsePad, parsePool } from "./layer-parsers";
import { Constants, ModelGraph } from "./model-graph";
import { fail, UnsupportedModelError } from "./unsupported-model";

const AFFINE_OPS = new Set(["BatchNormalization", "Add", "Sub", "Mul", "Div"]);
const SKIPPED_OPS = new Set(["Identity", "Dropout"]);
const SUPPORTED =
  "Conv, BatchNormalization, Relu, LeakyRelu, MaxPool, AveragePool, Pad, Flatten, Reshape, Gemm, MatMul, " +
  "Add/Sub/Mul/Div by constants, Identity and Dropout";

/**
 * Lists the whole model, input to output, as one chain of layers: what LRP and the input gradient
 * walk back through. A per-channel affine right after a Conv or Gemm is folded into it (LRP's rule
 * for Conv+BatchNormalization); anything else, or any branch, is refused with the node named.
 */
export function analyseChain(model: OnnxModel, outputIndex = 0): LayerChain {
  const analysis = new ModelGraph(model, "LRP and the input gradient");
  const { input, constants } = analysis;
  const { batchDim, channels: c, height: h, width: w } = input;
  const target = model.graph.outputs[0].name;

  const layers: Layer[] = [];
  let tensor = input.name;
  let itemShape: ItemShape = [c, h, w];
  while (tensor !== target) {
    const next = analysis.consumers(tensor);
    if (next.length !== 1) {
      throw new UnsupportedModelError(
        next.length === 0
          ? `tensor '${tensor}' feeds no node, so the chain from the input never reaches output '${target}'`
          : `tensor '${tensor}' feeds ${next.length} nodes (${next.map((n) => `'${n.name}'`).join(", ")}); ` +
              `LRP and the input gradient need a single chain of layers (no branches or residual connections)`,
      );
    }
    const node = next[0];
    analysis.checkSingleInput(node, tensor, "branches are not supported");
    if (node.domain !== "" && node.domain !== "ai.onnx")
      throw fail(node, `custom domain '${node.domain}' is not supported`);
    const layer = parseNode(node, tensor, itemShape, model.opsetVersion, constants);
    if (layer !== undefined) {
      const last = layers[layers.length - 1];
      if (
        layer.kind === "affine" &&
        (last?.kind === "conv" || last?.kind === "dense") &&
        last.output === tensor
      ) {
        layers[layers.length - 1] = fold(last, layer);
      } else {
        layers.push(layer);
      }
      itemShape = layer.outShape;
    }
    tensor = node.outputs[0];
  }
  if (itemShape.length !== 1) {
    throw new UnsupportedModelError(
      `output '${target}' has shape (N, ${itemShape.join(", ")}); expected (N, K)`,
    );
  }
  const width = itemShape[0];
  if (!Number.isInteger(outputIndex) || outputIndex < 0 || outputIndex >= width) {
    throw new UnsupportedModelError(
      `output index ${outputIndex} is out of range: output '${target}' has ${width} values`,
    );
  }
  return { input: { name: input.name, batchDim, shape: [c, h, w] }, layers, output: { name: target, width } };
}

function parseNode(
  node: OnnxNode,
  tensor: string,
  shape: ItemShape,
  opset: number,
  constants: Constants,
): Layer | undefined {
  const op = node.opType;
  if (SKIPPED_OPS.has(op)) return undefined;
  if (op === "Conv") return parseConv(node, shape, constants);
  if (op === "Gemm" || op === "MatMul") return parseDense(node, shape, constants);
  if (AFFINE_OPS.has(op)) return parseAffine(node, tensor, shape, constants);
  if (op === "MaxPool" || op === "AveragePool") return parsePool(node, shape);
  if (op === "Pad") return parsePad(node, shape, opset, constants);
  const base = { nodes: [node.name], input: tensor, output: node.outputs[0], inShape: shape };
  if (op === "Relu") return { kind: "relu", ...base, outShape: shape, alpha: 0 };
  if (op === "LeakyRelu") {
    const alpha = node.attributes.get("alpha") ?? 0.01;
    if (typeof alpha !== "number") throw fail(node, "attribute 'alpha' is not a number");
    return { kind: "relu", ...base, outShape: shape, alpha };
  }
  if (op === "Flatten" || op === "Reshape") {
    if (shape.length === 1) return undefined; // already flat: nothing to undo
    return { kind: "flatten", ...base, outShape: flattenedShape(node, shape, constants) };
  }
  throw fail(node, `is not supported by LRP and the input gradient; supported: ${SUPPORTED}`);
}

/** Conv/Gemm followed by y = s * x + o: weights scaled per output channel, bias s * b + o. */
function fold<L extends ConvLayer | DenseLayer>(layer: L, affine: AffineLayer): L {
  const outputs = layer.bias.length;
  const perOutput = layer.weight.length / outputs;
  const weight = layer.weight.map((v, i) => v * affine.scale[Math.floor(i / perOutput)]);
  const bias = layer.bias.map((b, o) => affine.scale[o] * b + affine.offset[o]);
  const unscaled = affine.scale.every((s) => s === 1);
  const common = { nodes: [...layer.nodes, ...affine.nodes], output: affine.output, weight, bias };
  if (layer.kind === "conv") {
    return { ...layer, ...common, weightName: unscaled ? layer.weightName : undefined };
  }
  return { ...layer, ...common, initializer: unscaled ? layer.initializer : undefined };
}
