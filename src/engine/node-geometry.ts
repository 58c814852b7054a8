/**
 * The spatial attributes of Conv, MaxPool, AveragePool and Pad nodes, read once for every method:
 * kernel, strides, dilations and pads with ONNX's rules (auto_pad resolved, ceil mode), the output
 * size, and a Pad's four spatial pads. Refusals name the node.
 */
import { intAttribute, intsAttribute, type OnnxNode, stringAttribute } from "../onnx/onnx-model";
import type { Quad, Window2d } from "./chain-layers";
import { autoPadding, convOutputLength, type Size2 } from "./geometry";
import type { Constants } from "./model-graph";
import { fail } from "./unsupported-model";

/** A 2-D integer attribute (kernel_shape, strides, dilations). */
export function pair(node: OnnxNode, name: string, fallback: readonly number[]): Size2 {
  const values = intsAttribute(node, name, fallback);
  if (values.length !== 2)
    throw fail(node, `attribute '${name}' has ${values.length} values; only 2-D operations are supported`);
  return [values[0], values[1]];
}

/** Kernel, strides, dilations and explicit pads, plus the output size, with ONNX's rules. */
export function windowOf(node: OnnxNode, size: Size2, kernel: Size2): { window: Window2d; out: Size2 } {
  const strides = pair(node, "strides", [1, 1]);
  const dilations = pair(node, "dilations", [1, 1]);
  const autoPad = stringAttribute(node, "auto_pad", "NOTSET");
  let pads: Quad;
  if (autoPad === "NOTSET") {
    const p = intsAttribute(node, "pads", [0, 0, 0, 0]);
    if (p.length !== 4) throw fail(node, "'pads' must have 4 values for 2-D");
    pads = [p[0], p[1], p[2], p[3]];
  } else if (["SAME_UPPER", "SAME_LOWER", "VALID"].includes(autoPad)) {
    const [top, bottom] = autoPadding(autoPad, size[0], kernel[0], strides[0], dilations[0]);
    const [left, right] = autoPadding(autoPad, size[1], kernel[1], strides[1], dilations[1]);
    pads = [top, left, bottom, right];
  } else {
    throw fail(node, `unknown auto_pad '${autoPad}'`);
  }
  const ceil = intAttribute(node, "ceil_mode", 0) === 1;
  const out: Size2 = [
    convOutputLength(size[0], kernel[0], strides[0], dilations[0], pads[0], pads[2], ceil),
    convOutputLength(size[1], kernel[1], strides[1], dilations[1], pads[1], pads[3], ceil),
  ];
  if (out[0] < 1 || out[1] < 1)
    throw fail(node, `turns a ${size[0]}x${size[1]} map into ${out[0]}x${out[1]}`);
  return { window: { kernel, strides, dilations, pads }, out };
}

/** A constant-mode Pad of H and W only: top, left, bottom, right. */
export function padQuad(node: OnnxNode, opset: number, constants: Constants): Quad {
  if (stringAttribute(node, "mode", "constant") !== "constant")
    throw fail(node, "only constant padding is supported");
  if (node.inputs.length > 3 && node.inputs[3] !== "") throw fail(node, "'axes' is not supported");
  const pads = opset < 11 ? intsAttribute(node, "pads", []) : constants.ints(node.inputs[1]);
  if (pads === undefined || pads.length !== 8)
    throw fail(node, "expected 8 constant pad values for a 4-D tensor");
  if (pads[0] !== 0 || pads[1] !== 0 || pads[4] !== 0 || pads[5] !== 0)
    throw fail(node, "pads the batch or channel axis");
  if (pads.some((p) => p < 0)) throw fail(node, "has negative pads (cropping), which is not supported");
  return [pads[2], pads[3], pads[6], pads[7]];
}
