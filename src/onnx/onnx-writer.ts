import { readFields, ProtoWriter } from "./protobuf";
import { OnnxDataType, OnnxDim, OnnxModel } from "./onnx-model";

/** A typed attribute value: ONNX distinguishes INT from FLOAT, so a bare number is not enough. */
export type AttributeSpec =
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "floats"; readonly value: readonly number[] }
  | { readonly kind: "string"; readonly value: string };

export const attr = {
  int: (value: number): AttributeSpec => ({ kind: "int", value }),
  ints: (value: readonly number[]): AttributeSpec => ({ kind: "ints", value }),
  float: (value: number): AttributeSpec => ({ kind: "float", value }),
  floats: (value: readonly number[]): AttributeSpec => ({ kind: "floats", value }),
  string: (value: string): AttributeSpec => ({ kind: "string", value }),
};

export interface NodeSpec {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeSpec>>;
}

export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export interface ValueInfoSpec {
  readonly name: string;
  readonly elemType: OnnxDataType;
  readonly shape: readonly OnnxDim[];
}

export interface GraphAdditions {
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorSpec[];
  readonly outputs: readonly ValueInfoSpec[];
}

function writeNode(w: ProtoWriter, node: NodeSpec): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, spec] of Object.entries(node.attributes ?? {})) {
    w.message(5, (a) => {
      a.string(1, name);
      switch (spec.kind) {
        case "int":
          a.int(3, spec.value).int(20, 2);
          break;
        case "float":
          a.float(2, spec.value).int(20, 1);
          break;
        case "string":
          a.string(4, spec.value).int(20, 3);
          break;
        case "ints":
          for (const v of spec.value) a.int(8, v);
          a.int(20, 7);
          break;
        case "floats":
          for (const v of spec.value) a.float(7, v);
          a.int(20, 6);
          break;
      }
    });
  }
}

export function writeTensor(w: ProtoWriter, tensor: TensorSpec): void {
  for (const d of tensor.dims) w.int(1, d);
  const isFloat = tensor.data instanceof Float32Array;
  w.int(2, isFloat ? OnnxDataType.Float : OnnxDataType.Int64);
  w.string(8, tensor.name);
  const bytes = new Uint8Array(tensor.data.byteLength);
  const view = new DataView(bytes.buffer);
  tensor.data.forEach((v: number | bigint, i: number) => {
    if (isFloat) view.setFloat32(i * 4, v as number, true);
    else view.setBigInt64(i * 8, v as bigint, true);
  });
  w.bytes(9, bytes);
}

function writeValueInfo(w: ProtoWriter, info: ValueInfoSpec): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, info.elemType);
      tensorType.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => {
            if (typeof dim === "number") d.int(1, dim);
            else if (typeof dim === "string") d.string(2, dim);
          });
        }
      });
    }),
  );
}

function writeAdditions(w: ProtoWriter, additions: GraphAdditions): void {
  for (const node of additions.nodes) w.message(1, (n) => writeNode(n, node));
  for (const tensor of additions.initializers) w.message(5, (t) => writeTensor(t, tensor));
  for (const output of additions.outputs) w.message(12, (o) => writeValueInfo(o, output));
}

/**
 * Returns the model's bytes with nodes, initializers and outputs appended to its graph. Protobuf
 * concatenates repeated fields, so appending after the original graph fields keeps the original
 * nodes first (still topologically sorted) and the original outputs first and unchanged.
 */
export function appendToGraph(model: OnnxModel, additions: GraphAdditions): Uint8Array {
  const out = new ProtoWriter();
  for (const field of readFields(model.bytes)) {
    if (field.fieldNumber !== 7) {
      out.raw(field.raw);
      continue;
    }
    const graph = new ProtoWriter();
    graph.raw(field.bytes);
    writeAdditions(graph, additions);
    out.bytes(7, graph.finish());
  }
  return out.finish();
}

export interface ModelSpec {
  readonly opsetVersion: number;
  readonly graphName?: string;
  readonly inputs: readonly ValueInfoSpec[];
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorSpec[];
  readonly outputs: readonly ValueInfoSpec[];
}

/** Encodes a whole model: the tests and the bench build their CNNs with it. */
export function buildOnnxModel(spec: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8); // IR version 8: read by every onnxruntime this package supports
  w.string(2, "visualbackprop");
  w.message(7, (g) => {
    g.string(2, spec.graphName ?? "graph");
    for (const input of spec.inputs) g.message(11, (v) => writeValueInfo(v, input));
    writeAdditions(g, { nodes: spec.nodes, initializers: spec.initializers, outputs: spec.outputs });
  });
  w.message(8, (o) => o.string(1, "").int(2, spec.opsetVersion));
  return w.finish();
}
