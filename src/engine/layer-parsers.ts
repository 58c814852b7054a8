/**
 * Turns single ONNX nodes into chain layers: reads their constants and attributes and works out the
 * shapes. Every refusal is an UnsupportedModelError that names the node and the reason.
 */
import { intAttribute, OnnxNode } from "../onnx/onnx-model";
import {
  AffineLayer,
  AvgPoolLayer,
  ConvLayer,
  DenseLayer,
  ItemShape,
  itemSize,
  MaxPoolLayer,
  PadLayer,
  Window2d,
} from "./chain-layers";
import { Size2 } from "./geometry";
import { Constants } from "./model-graph";
import { padQuad, pair, windowOf } from "./node-geometry";
import { fail } from "./unsupported-model";

function spatial(node: OnnxNode, shape: ItemShape): readonly [number, number, number] {
  if (shape.length !== 3)
    throw fail(node, `expects an image tensor (N, C, H, W), got (N, ${shape.join(", ")})`);
  return [shape[0], shape[1], shape[2]];
}

export function parseConv(node: OnnxNode, shape: ItemShape, constants: Constants): ConvLayer {
  const [channels, h, w] = spatial(node, shape);
  const weight = constants.floats(node, node.inputs[1], "weight");
  if (weight.dims.length !== 4) throw fail(node, "only 2-D convolutions are supported");
  const [out, perGroup, kh, kw] = weight.dims;
  const group = intAttribute(node, "group", 1);
  if (perGroup * group !== channels) {
    throw fail(node, `weight expects ${perGroup * group} input channels, the tensor has ${channels}`);
  }
  const bias =
    node.inputs.length > 2 && node.inputs[2] !== ""
      ? constants.floats(node, node.inputs[2], "bias").data
      : new Float32Array(out);
  const { window: win, out: size } = windowOf(node, [h, w], pair(node, "kernel_shape", [kh, kw]));
  return {
    kind: "conv",
    nodes: [node.name],
    input: node.inputs[0],
    output: node.outputs[0],
    inShape: shape,
    outShape: [out, size[0], size[1]],
    window: win,
    group,
    weight: weight.data,
    weightDims: [out, perGroup, kh, kw],
    bias: Float32Array.from(bias),
    weightName: node.inputs[1],
  };
}

/** Gemm (transA 0) or MatMul with a constant right-hand matrix, on a flattened tensor. */
export function parseDense(node: OnnxNode, shape: ItemShape, constants: Constants): DenseLayer {
  if (shape.length !== 1) throw fail(node, `expects a flattened (N, F) tensor, got (N, ${shape.join(", ")})`);
  const isGemm = node.opType === "Gemm";
  if (isGemm && intAttribute(node, "transA", 0) !== 0) throw fail(node, "transA = 1 is not supported");
  const b = constants.floats(node, node.inputs[1], "weight");
  if (b.dims.length !== 2) throw fail(node, `weight has ${b.dims.length} dimensions, expected 2`);
  const transB = isGemm && intAttribute(node, "transB", 0) === 1;
  const [inputs, outputs] = transB ? [b.dims[1], b.dims[0]] : b.dims;
  if (inputs !== shape[0]) throw fail(node, `weight expects ${inputs} inputs, the tensor has ${shape[0]}`);
  const alpha = isGemm ? floatAttribute(node, "alpha", 1) : 1;
  const weight = new Float32Array(outputs * inputs);
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < inputs; i++)
      weight[o * inputs + i] = alpha * b.data[transB ? o * inputs + i : i * outputs + o];
  }
  const bias = new Float32Array(outputs);
  if (isGemm && node.inputs.length > 2 && node.inputs[2] !== "") {
    const beta = floatAttribute(node, "beta", 1);
    const c = constants.floats(node, node.inputs[2], "bias");
    if (c.data.length !== 1 && c.data.length !== outputs)
      throw fail(node, `bias has ${c.data.length} values, expected ${outputs}`);
    for (let o = 0; o < outputs; o++) bias[o] = beta * c.data[c.data.length === 1 ? 0 : o];
  }
  return {
    kind: "dense",
    nodes: [node.name],
    input: node.inputs[0],
    output: node.outputs[0],
    inShape: shape,
    outShape: [outputs],
    weight,
    bias,
    initializer: alpha === 1 ? { name: node.inputs[1], layout: transB ? "outIn" : "inOut" } : undefined,
  };
}

function floatAttribute(node: OnnxNode, name: string, fallback: number): number {
  const value = node.attributes.get(name);
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw fail(node, `attribute '${name}' is not a number`);
  return value;
}

/**
 * BatchNormalization, or Add/Sub/Mul/Div with a constant that is a scalar or one value per channel
 * (axis 1), as y = scale * x + offset.
 */
export function parseAffine(
  node: OnnxNode,
  tensor: string,
  shape: ItemShape,
  constants: Constants,
): AffineLayer {
  const channels = shape[0];
  const scale = new Float32Array(channels).fill(1);
  const offset = new Float32Array(channels);
  if (node.opType === "BatchNormalization") {
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) =>
      perChannel(node, node.inputs[i], shape, constants),
    );
    const epsilon = floatAttribute(node, "epsilon", 1e-5);
    for (let c = 0; c < channels; c++) {
      scale[c] = gamma[c] / Math.sqrt(variance[c] + epsilon);
      offset[c] = beta[c] - mean[c] * scale[c];
    }
  } else {
    const constantFirst = node.inputs[0] !== tensor;
    const k = perChannel(node, node.inputs[constantFirst ? 0 : 1], shape, constants);
    for (let c = 0; c < channels; c++) {
      if (node.opType === "Mul") scale[c] = k[c];
      else if (node.opType === "Add") offset[c] = k[c];
      else if (node.opType === "Sub") [scale[c], offset[c]] = constantFirst ? [-1, k[c]] : [1, -k[c]];
      else if (constantFirst) throw fail(node, "divides a constant by the tensor, which is not linear");
      else scale[c] = 1 / k[c];
    }
  }
  return {
    kind: "affine",
    nodes: [node.name],
    input: tensor,
    output: node.outputs[0],
    inShape: shape,
    outShape: shape,
    scale,
    offset,
  };
}

/** A constant broadcast along axis 1 only: a scalar, or C values in shape (C), (C,1,1) or (1,C,1,1). */
function perChannel(node: OnnxNode, name: string, shape: ItemShape, constants: Constants): Float32Array {
  const { data, dims } = constants.floats(node, name, "constant operand");
  const channels = shape[0];
  if (data.length === 1) return new Float32Array(channels).fill(data[0]);
  const rank = shape.length + 1;
  const aligned = [...new Array<number>(Math.max(0, rank - dims.length)).fill(1), ...dims];
  const channelOnly =
    aligned.length === rank && aligned.every((d, i) => (i === 1 ? d === channels : d === 1));
  const bnVector = node.opType === "BatchNormalization" && dims.length === 1 && dims[0] === channels;
  if (!channelOnly && !bnVector) {
    throw fail(
      node,
      `constant '${name}' of shape [${dims.join(", ")}] is not one value per channel; only scalars and per-channel constants are supported`,
    );
  }
  return Float32Array.from(data);
}

export function parsePool(node: OnnxNode, shape: ItemShape): MaxPoolLayer | AvgPoolLayer {
  const [channels, h, w] = spatial(node, shape);
  const { window: win, out } = windowOf(node, [h, w], pair(node, "kernel_shape", []));
  const base = {
    nodes: [node.name],
    input: node.inputs[0],
    output: node.outputs[0],
    inShape: shape,
    outShape: [channels, out[0], out[1]],
    window: win,
  };
  if (node.opType === "MaxPool") return { kind: "maxpool", ...base };
  if (win.dilations[0] !== 1 || win.dilations[1] !== 1)
    throw fail(node, "dilated average pooling is not supported");
  const countPad = intAttribute(node, "count_include_pad", 0) === 1;
  return { kind: "avgpool", ...base, inverseDivisor: inverseDivisor(win, [h, w], out, countPad) };
}

/**
 * ONNX Runtime's divisor per window: the window clipped to the padded input when padding counts,
 * else to the input itself (in ceil mode the last window may reach past both).
 */
function inverseDivisor(win: Window2d, size: Size2, out: Size2, countPad: boolean): Float64Array {
  const along = (axis: 0 | 1, o: number): number => {
    const start = o * win.strides[axis] - win.pads[axis];
    const end = Math.min(start + win.kernel[axis], size[axis] + win.pads[axis + 2]);
    return countPad ? end - start : Math.min(end, size[axis]) - Math.max(start, 0);
  };
  const result = new Float64Array(out[0] * out[1]);
  for (let y = 0; y < out[0]; y++) {
    for (let x = 0; x < out[1]; x++) result[y * out[1] + x] = 1 / (along(0, y) * along(1, x));
  }
  return result;
}

export function parsePad(node: OnnxNode, shape: ItemShape, opset: number, constants: Constants): PadLayer {
  const [channels, h, w] = spatial(node, shape);
  const quad = padQuad(node, opset, constants);
  return {
    kind: "pad",
    nodes: [node.name],
    input: node.inputs[0],
    output: node.outputs[0],
    inShape: shape,
    outShape: [channels, h + quad[0] + quad[2], w + quad[1] + quad[3]],
    pads: quad,
  };
}

/** The output shape of a Flatten/Reshape to (N, F), checked against the element count. */
export function flattenedShape(node: OnnxNode, shape: ItemShape, constants: Constants): ItemShape {
  const size = itemSize(shape);
  if (node.opType === "Flatten") {
    if (intAttribute(node, "axis", 1) !== 1) throw fail(node, "only axis 1 is supported");
    return [size];
  }
  const target = constants.ints(node.inputs[1]);
  const ok =
    target !== undefined &&
    target.length === 2 &&
    (target[1] === size || target[1] === -1) &&
    (target[0] === -1 || target[0] === 0 || target[1] === size);
  if (!ok)
    throw fail(
      node,
      `only a reshape to (N, ${size}) is supported, got [${target?.join(", ") ?? "a computed shape"}]`,
    );
  return [size];
}
