import { OnnxModel } from "../onnx/onnx-model";
import { GraphBuilder } from "../onnx/graph-builder";
import { UnsupportedModelError } from "./unsupported-model";

export type { ReduceOp } from "../onnx/graph-builder";

/** The graph builder of the backward passes, which need ONNX opset 11 or newer. */
export class BackwardBuilder extends GraphBuilder {
  constructor(model: OnnxModel, prefix: string) {
    if (model.opsetVersion < 11) {
      throw new UnsupportedModelError(
        `the model imports ONNX opset ${model.opsetVersion}; LRP and the input gradient need opset 11 or newer`,
      );
    }
    super(model, prefix);
  }
}
