import { InferenceSession, Tensor } from "onnxruntime-node";
import { OnnxDataType } from "../../src/onnx/onnx-model";
import { attr, AttributeSpec, buildOnnxModel, NodeSpec, TensorSpec } from "../../src/onnx/onnx-writer";

/** A hand-written sequential model: each step reads the previous step's output. */
export interface Step {
  readonly op: string;
  /** Constant inputs after the data input, as initializers. */
  readonly constants?: readonly {
    readonly dims: readonly number[];
    readonly data: readonly number[] | BigInt64Array;
  }[];
  readonly attributes?: Record<string, AttributeSpec>;
}

export function sequential(
  input: readonly number[],
  steps: readonly Step[],
  outputWidth: number,
  opset = 13,
): Uint8Array {
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let tensor = "input";
  steps.forEach((step, i) => {
    const inputs = [tensor];
    (step.constants ?? []).forEach((c, k) => {
      const name = `c${i}_${k}`;
      const data = c.data instanceof BigInt64Array ? c.data : Float32Array.from(c.data);
      initializers.push({ name, dims: c.dims, data });
      inputs.push(name);
    });
    const output = i === steps.length - 1 ? "output" : `t${i}`;
    nodes.push({
      name: `${step.op}_${i}`,
      opType: step.op,
      inputs,
      outputs: [output],
      attributes: step.attributes,
    });
    tensor = output;
  });
  return buildOnnxModel({
    opsetVersion: opset,
    inputs: [{ name: "input", elemType: OnnxDataType.Float, shape: ["N", ...input] }],
    nodes,
    initializers,
    outputs: [{ name: "output", elemType: OnnxDataType.Float, shape: ["N", outputWidth] }],
  });
}

export const conv = (
  out: number,
  inC: number,
  k: number,
  weights: readonly number[],
  stride = 1,
  pads = [0, 0, 0, 0],
): Step => ({
  op: "Conv",
  constants: [
    { dims: [out, inC, k, k], data: weights },
    { dims: [out], data: new Array<number>(out).fill(0) },
  ],
  attributes: {
    kernel_shape: attr.ints([k, k]),
    strides: attr.ints([stride, stride]),
    pads: attr.ints(pads),
  },
});

export const gemm = (
  out: number,
  inputs: number,
  weights: readonly number[],
  bias?: readonly number[],
): Step => ({
  op: "Gemm",
  constants: [
    { dims: [out, inputs], data: weights },
    { dims: [out], data: bias ?? new Array<number>(out).fill(0) },
  ],
  attributes: { transB: attr.int(1) },
});

export const relu: Step = { op: "Relu" };
export const flatten: Step = { op: "Flatten", attributes: { axis: attr.int(1) } };

export const pool = (
  op: "MaxPool" | "AveragePool",
  k: number,
  stride: number,
  pads = [0, 0, 0, 0],
  ceil = 0,
): Step => ({
  op,
  attributes: {
    kernel_shape: attr.ints([k, k]),
    strides: attr.ints([stride, stride]),
    pads: attr.ints(pads),
    ceil_mode: attr.int(ceil),
  },
});

/** Runs a rewritten model directly, fetching the named outputs. */
export async function runGraph(
  bytes: Uint8Array,
  input: Float32Array,
  dims: readonly number[],
  fetches: readonly string[],
): Promise<Record<string, Float32Array>> {
  const session = await InferenceSession.create(bytes, { executionProviders: ["cpu"] });
  try {
    const results = await session.run({ input: new Tensor("float32", input, dims) }, [...fetches]);
    const out: Record<string, Float32Array> = {};
    for (const name of fetches) out[name] = results[name].data as Float32Array;
    return out;
  } finally {
    await session.release();
  }
}
