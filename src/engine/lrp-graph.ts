import { OnnxModel } from "../onnx/onnx-model";
import { BackwardBuilder } from "./backward-builder";
import { BackwardGraph, BackwardGraphOptions, BackwardOutputs, oneHotRow } from "./backward-graph";
import { isLinear, Layer, LayerChain, LinearLayer } from "./chain-layers";
import { flattenBackward, linearBackward, maxPoolBackward, padBackward } from "./layer-backward";

/** Name of the LRP map output: (N, 1, H, W) at input resolution, in [0, 1]. */
export const LRP_MASK_OUTPUT = "lrp/mask";

/** LRP-epsilon's stabiliser. Small, so the rule stays close to conservation (and to gradient x input). */
export const DEFAULT_EPSILON = 1e-6;

export interface LrpGraphOptions extends BackwardGraphOptions {
  readonly epsilon?: number;
}

/**
 * Appends LRP with the epsilon rule to the model's graph, so one session run returns the model's
 * outputs and the relevance map. Relevance starts as the chosen output value and goes back layer by
 * layer: through linear layers (Conv with folded BatchNormalization, Gemm, affine, average pooling)
 * as R_in = a * Wᵀ(R / (z + eps * sign z)), unchanged through ReLU, winner-take-all through MaxPool,
 * cropped through Pad and reshaped through Flatten. The map is |sum over channels| of the input
 * relevance, min-max normalised per image: relevance is signed, and its sign follows the sign of the
 * steering value, so the magnitude is what a mask can show for either direction.
 */
export function addLrp(model: OnnxModel, chain: LayerChain, options: LrpGraphOptions = {}): BackwardGraph {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  if (!(epsilon > 0) || !Number.isFinite(epsilon))
    throw new Error(`lrp: epsilon must be a positive number, got ${epsilon}`);
  const b = new BackwardBuilder(model, "lrp");
  const outputs = new BackwardOutputs(b, chain, options);
  const { layers } = chain;
  let relevance = b.node("Mul", [chain.output.name, oneHotRow(b, chain, options.outputIndex ?? 0)], "top");
  outputs.trace(layers.length, relevance);
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    const base = `l${i}_${layer.kind}`;
    if (isLinear(layer)) {
      const z = stabilised(b, layer, layers[i + 1], epsilon, base);
      const s = b.node("Div", [relevance, z], `${base}_s`);
      const c = linearBackward(b, layer, s, `${base}_c`);
      relevance = b.node("Mul", [layer.input, c], `${base}_r`);
    } else if (layer.kind === "maxpool") {
      relevance = maxPoolBackward(b, layer, relevance, base);
    } else if (layer.kind === "pad") {
      relevance = padBackward(b, layer, relevance, base);
    } else if (layer.kind === "flatten") {
      relevance = flattenBackward(b, layer, relevance, base);
    }
    // ReLU and LeakyRelu pass relevance through unchanged.
    outputs.trace(i, relevance);
  }
  const summed = b.reduce("ReduceSum", relevance, [1], "channel_sum");
  const magnitude = b.node("Abs", [summed], "magnitude");
  return outputs.finish(b.normalise(magnitude, "mask", LRP_MASK_OUTPUT));
}

/**
 * z + eps * sign(z), with sign(0) = +1 so nothing divides by zero. When a ReLU reads z directly, z is
 * rebuilt from the ReLU's output instead: relevance is zero wherever that output is zero, so the
 * quotient is the same, and not reading the pre-activation keeps ONNX Runtime's Conv+Relu fusion.
 */
function stabilised(
  b: BackwardBuilder,
  layer: LinearLayer,
  next: Layer | undefined,
  epsilon: number,
  base: string,
): string {
  const eps = b.scalar(epsilon);
  let z = layer.output;
  if (next?.kind === "relu" && next.input === layer.output && next.alpha >= 0) {
    if (next.alpha === 0) return b.node("Add", [next.output, eps], `${base}_z`);
    const negative = b.node("Less", [next.output, b.scalar(0)], `${base}_negative`);
    const undone = b.node("Div", [next.output, b.scalar(next.alpha)], `${base}_undone`);
    z = b.node("Where", [negative, undone, next.output], `${base}_preactivation`);
  }
  const negative = b.node("Less", [z, b.scalar(0)], `${base}_z_negative`);
  const down = b.node("Sub", [z, eps], `${base}_z_down`);
  const up = b.node("Add", [z, eps], `${base}_z_up`);
  return b.node("Where", [negative, down, up], `${base}_z`);
}
