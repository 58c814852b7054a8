/**
 * The real ModelLoader: the model's spec file (how to feed it) and the engine (ONNX Runtime plus
 * in-graph VisualBackProp), whose layer masks any run can fetch, so `publish_layer_masks` can be
 * switched on at run time. Checks that spec and model agree before the node opens any topic.
 */
import { Engine } from "../engine/engine";
import { loadModelSpec, specModelMismatch } from "../engine/model-spec";
import type { LoadedModel, ModelRequest } from "./model-port";

export async function loadModel(request: ModelRequest): Promise<LoadedModel> {
  const spec = loadModelSpec(request.modelPath);
  const engine = await Engine.create({ ...request, modelPath: request.modelPath });
  const mismatch = specModelMismatch(spec, engine.inputShape);
  if (mismatch !== undefined) {
    await engine.release();
    throw new Error(`model '${request.modelPath}': ${mismatch}`);
  }
  return { name: spec.name, outputName: spec.output, preprocess: spec.preprocess, frame: spec.frame, engine };
}
