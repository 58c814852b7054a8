/**
 * The one error for models a saliency method cannot be applied to. Every analysis and graph
 * builder throws it, so callers (the CLI, the node) can tell "this model is not supported" from
 * their own mistakes; the message names the node or tensor and why.
 */
import type { OnnxNode } from "../onnx/onnx-model";

export class UnsupportedModelError extends Error {
  override name = "UnsupportedModelError";
}

/** An UnsupportedModelError that names the node, its operation and the reason. */
export function fail(node: OnnxNode, reason: string): UnsupportedModelError {
  return new UnsupportedModelError(`node '${node.name}' (${node.opType}): ${reason}`);
}
