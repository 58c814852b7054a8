import { OnnxModel } from "../onnx/onnx-model";
import { addInputGradient } from "./gradient-graph";
import { analyseChain } from "./layer-chain";
import { addLrp } from "./lrp-graph";
import type { ImageInput } from "./model-graph";
import { analyseTrunk, VbpPlan } from "./trunk";
import { LrpPoint, SALIENCY_METHODS, SaliencyMethod } from "./types";
import { addVisualBackProp, VbpGraph } from "./vbp-graph";

export interface MethodGraphOptions {
  readonly method?: SaliencyMethod;
  /** LRP's epsilon. */
  readonly epsilon?: number;
  /** Where LRP's relevance is measured (default `input`). */
  readonly lrpAt?: LrpPoint;
  /** For LRP and the gradient: which value of the model's output vector to explain. */
  readonly outputIndex?: number;
  readonly featureMaps?: boolean;
}

/** The rewritten model and where to feed it; `plan` only for VisualBackProp. */
export interface SaliencyGraph {
  readonly input: ImageInput;
  /** VisualBackProp's feature maps and geometry; undefined for LRP and the gradient. */
  readonly plan: VbpPlan | undefined;
  readonly graph: VbpGraph;
}

/**
 * Analyses and rewrites the model for the chosen saliency method; every method's graph answers in
 * the same shape, so the engine runs them alike. LRP and the gradient have no layer masks; for them
 * `featureMaps` returns every tensor the backward pass reads (what their references need).
 */
export function addSaliency(model: OnnxModel, options: MethodGraphOptions): SaliencyGraph {
  const method = options.method ?? "vbp";
  if (method === "vbp") {
    const plan = analyseTrunk(model);
    return {
      input: plan.input,
      plan,
      graph: addVisualBackProp(model, plan, { featureMaps: options.featureMaps }),
    };
  }
  if (!SALIENCY_METHODS.includes(method)) {
    throw new Error(
      `engine: method must be one of ${SALIENCY_METHODS.join(", ")}; got ${JSON.stringify(method)}`,
    );
  }
  const chain = analyseChain(model, options.outputIndex ?? 0);
  const settings = { outputIndex: options.outputIndex, activations: options.featureMaps };
  const graph =
    method === "lrp"
      ? addLrp(model, chain, { ...settings, epsilon: options.epsilon, at: options.lrpAt })
      : addInputGradient(model, chain, settings);
  const { name, batchDim, shape } = chain.input;
  return {
    input: { name, batchDim, channels: shape[0], height: shape[1], width: shape[2] },
    plan: undefined,
    graph: {
      bytes: graph.bytes,
      maskOutput: graph.maskOutput,
      layerOutputs: [],
      featureMapOutputs: graph.activationOutputs,
    },
  };
}
