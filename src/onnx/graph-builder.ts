import { OnnxDataType, OnnxDim, OnnxModel } from "./onnx-model";
import { appendToGraph, attr, NodeSpec, TensorSpec, ValueInfoSpec } from "./onnx-writer";

/** The smallest positive normal float32: the divisor of a constant image's normalisation. */
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

export type ReduceOp = "ReduceSum" | "ReduceMean" | "ReduceMin" | "ReduceMax";

/**
 * Collects the nodes, constants and outputs a rewrite (VisualBackProp, LRP, gradients) appends to
 * a model, with names under one prefix that cannot collide with the model's, and the
 * opset-dependent spellings of ops.
 */
export class GraphBuilder {
  readonly #model: OnnxModel;
  readonly #prefix: string;
  readonly #taken: Set<string>;
  readonly #nodes: NodeSpec[] = [];
  readonly #initializers = new Map<string, TensorSpec>();
  readonly #outputs: ValueInfoSpec[] = [];
  readonly #outputNames = new Set<string>();

  constructor(model: OnnxModel, prefix: string) {
    this.#model = model;
    this.#prefix = prefix;
    this.#taken = new Set<string>([
      ...model.graph.initializers.keys(),
      ...model.graph.inputs.map((i) => i.name),
    ]);
    for (const node of model.graph.nodes) {
      this.#taken.add(node.name);
      for (const out of node.outputs) this.#taken.add(out);
    }
    for (const out of model.graph.outputs) this.#outputNames.add(out.name);
  }

  get opset(): number {
    return this.#model.opsetVersion;
  }

  #name(base: string): string {
    let name = `${this.#prefix}/${base}`;
    for (let k = 1; this.#taken.has(name); k++) name = `${this.#prefix}/${base}_${k}`;
    this.#taken.add(name);
    return name;
  }

  node(
    opType: string,
    inputs: readonly string[],
    base: string,
    attributes?: NodeSpec["attributes"],
    outputName?: string,
  ): string {
    const output = outputName ?? this.#name(base);
    this.#taken.add(output);
    this.#nodes.push({ name: `${output}:${opType}`, opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** A float32 initializer; `key` identifies equal constants so they are stored once. */
  floats(key: string, dims: readonly number[], data: ArrayLike<number>): string {
    const name = `${this.#prefix}/const/${key}`;
    if (!this.#initializers.has(name))
      this.#initializers.set(name, { name, dims, data: Float32Array.from(data) });
    return name;
  }

  ints(values: readonly number[]): string {
    const name = `${this.#prefix}/const/i64_${values.join("_").replace(/-/g, "m")}`;
    if (!this.#initializers.has(name)) {
      this.#initializers.set(name, {
        name,
        dims: [values.length],
        data: BigInt64Array.from(values.map(BigInt)),
      });
    }
    return name;
  }

  scalar(value: number): string {
    return this.floats(`scalar_${value}`, [], [value]);
  }

  /** ReduceX keeping dims; ReduceSum took `axes` as an input from opset 13, the others from 18. */
  reduce(opType: ReduceOp, input: string, axes: readonly number[], base: string): string {
    if (this.opset >= (opType === "ReduceSum" ? 13 : 18)) {
      return this.node(opType, [input, this.ints(axes)], base, { keepdims: attr.int(1) });
    }
    return this.node(opType, [input], base, { axes: attr.ints(axes), keepdims: attr.int(1) });
  }

  /** Per-image min-max normalisation to [0, 1]; a constant image becomes zeros, never NaN. */
  normalise(input: string, base: string, outputName: string): string {
    const min = this.reduce("ReduceMin", input, [1, 2, 3], `${base}_min`);
    const max = this.reduce("ReduceMax", input, [1, 2, 3], `${base}_max`);
    const shifted = this.node("Sub", [input, min], `${base}_shifted`);
    const range = this.node("Sub", [max, min], `${base}_range`);
    // A constant image (range 0) divides 0 by the smallest normal float and gives zeros, never NaN.
    // One Max instead of Greater + Where: at batch 1 every node's fixed cost counts. (A range below
    // that float, 1e-38, is treated as constant too: its image comes out below 1, never NaN.)
    const divisor = this.node("Max", [range, this.scalar(FLOAT32_MIN_NORMAL)], `${base}_divisor`);
    return this.node("Div", [shifted, divisor], base, undefined, outputName);
  }

  /** Declares a graph output (once; the model's own outputs are never declared again). */
  output(name: string, shape: readonly OnnxDim[]): void {
    if (this.#outputNames.has(name)) return;
    this.#outputNames.add(name);
    this.#outputs.push({ name, elemType: OnnxDataType.Float, shape });
  }

  finish(): Uint8Array {
    return appendToGraph(this.#model, {
      nodes: this.#nodes,
      initializers: [...this.#initializers.values()],
      outputs: this.#outputs,
    });
  }
}
