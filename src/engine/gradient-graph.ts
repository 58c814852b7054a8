import { OnnxModel } from "../onnx/onnx-model";
import { BackwardBuilder } from "./backward-builder";
import { BackwardGraph, BackwardGraphOptions, BackwardOutputs, oneHotRow } from "./backward-graph";
import { ActivationLayer, isLinear, LayerChain } from "./chain-layers";
import { flattenBackward, linearBackward, maxPoolBackward, padBackward } from "./layer-backward";

/** Name of the gradient map output: (N, 1, H, W) at input resolution, in [0, 1]. */
export const GRADIENT_MASK_OUTPUT = "gradient/mask";

/**
 * Appends d output / d input to the model's graph (the plain saliency map of Simonyan et al.), so one
 * session run returns the model's outputs and the map. The backward pass is the transposed chain:
 * ReLU masks from the forward activations, MaxPool routing to the window's maximum (ties share).
 * The map is the largest |gradient| over the input channels, min-max normalised per image.
 */
export function addInputGradient(
  model: OnnxModel,
  chain: LayerChain,
  options: BackwardGraphOptions = {},
): BackwardGraph {
  const b = new BackwardBuilder(model, "gradient");
  const outputs = new BackwardOutputs(b, chain, options);
  const { layers } = chain;
  const shape = b.node("Shape", [chain.output.name], "output_shape");
  let gradient = b.node("Expand", [oneHotRow(b, chain, options.outputIndex ?? 0), shape], "top");
  outputs.trace(layers.length, gradient);
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    const base = `l${i}_${layer.kind}`;
    if (isLinear(layer)) gradient = linearBackward(b, layer, gradient, base);
    else if (layer.kind === "relu") gradient = activationBackward(b, layer, gradient, base);
    else if (layer.kind === "maxpool") gradient = maxPoolBackward(b, layer, gradient, base);
    else if (layer.kind === "pad") gradient = padBackward(b, layer, gradient, base);
    else gradient = flattenBackward(b, layer, gradient, base);
    outputs.trace(i, gradient);
  }
  const magnitude = b.node("Abs", [gradient], "magnitude");
  const strongest = b.reduce("ReduceMax", magnitude, [1], "channel_max");
  return outputs.finish(b.normalise(strongest, "mask", GRADIENT_MASK_OUTPUT));
}

/**
 * 1 where the unit was active (0 at exactly zero, the usual subgradient), alpha elsewhere. Read from
 * the activation's output, which is positive exactly where its input is for alpha >= 0, so the
 * Conv+Relu fusion stays intact.
 */
function activationBackward(
  b: BackwardBuilder,
  layer: ActivationLayer,
  gradient: string,
  base: string,
): string {
  const source = layer.alpha >= 0 ? layer.output : layer.input;
  const active = b.node("Greater", [source, b.scalar(0)], `${base}_active`);
  const inactive =
    layer.alpha === 0 ? b.scalar(0) : b.node("Mul", [gradient, b.scalar(layer.alpha)], `${base}_leak`);
  return b.node("Where", [active, gradient, inactive], base);
}
