/**
 * Rewrites a model's weights in place of the originals, keeping everything else byte for byte:
 * how the tests and the bench build a deliberately different model from the shipped one (a layer
 * zeroed, a part of its input ignored) without Python.
 */
import type { OnnxModel } from "./onnx-model";
import { writeTensor, type TensorSpec } from "./onnx-writer";
import { fieldString, ProtoWriter, readFields } from "./protobuf";

const GRAPH = 7;
const INITIALIZER = 5;
const TENSOR_NAME = 8;

/**
 * The model's bytes with each named initializer replaced by the given tensor (dims and data).
 * Throws naming the initializer when the model has none of that name.
 */
export function replaceInitializers(model: OnnxModel, replacements: readonly TensorSpec[]): Uint8Array {
  const byName = new Map(replacements.map((tensor) => [tensor.name, tensor]));
  for (const name of byName.keys())
    if (!model.graph.initializers.has(name))
      throw new Error(
        `replace initializer: the model has no initializer '${name}' (it has ${[...model.graph.initializers.keys()].join(", ")})`,
      );
  const out = new ProtoWriter();
  for (const field of readFields(model.bytes)) {
    if (field.fieldNumber !== GRAPH) {
      out.raw(field.raw);
      continue;
    }
    const graph = new ProtoWriter();
    for (const graphField of readFields(field.bytes, "graph")) {
      const name =
        graphField.fieldNumber === INITIALIZER
          ? readFields(graphField.bytes, "initializer").find((f) => f.fieldNumber === TENSOR_NAME)
          : undefined;
      const replacement = name === undefined ? undefined : byName.get(fieldString(name));
      if (replacement === undefined) graph.raw(graphField.raw);
      else graph.message(INITIALIZER, (t) => writeTensor(t, replacement));
    }
    out.bytes(GRAPH, graph.finish());
  }
  return out.finish();
}
