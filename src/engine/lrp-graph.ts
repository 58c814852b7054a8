import { OnnxModel } from "../onnx/onnx-model";
import { BackwardBuilder } from "./backward-builder";
import { BackwardGraph, BackwardGraphOptions, BackwardOutputs, oneHotRow } from "./backward-graph";
import { AffineLayer, isLinear, Layer, LayerChain, LinearLayer } from "./chain-layers";
import { flattenBackward, linearBackward, maxPoolBackward, padBackward } from "./layer-backward";
import { factorThroughAffine, normalisationRun } from "./lrp-normalisation";
import { UnsupportedModelError } from "./unsupported-model";
import { LrpPoint } from "./types";

/** Name of the LRP map output: (N, 1, H, W) at input resolution, in [0, 1]. */
export const LRP_MASK_OUTPUT = "lrp/mask";

/**
 * LRP-epsilon's stabiliser. Small, so the rule stays close to conservation (and to gradient x input),
 * but not so small that float32 rounding of a near-zero z decides the map: ONNX Runtime's float32
 * activations differ from float64 by ~1e-7 of their scale, and a unit with |z| below epsilon passes
 * on z / (z + eps) of its relevance. On the shipped model's rendered frames, 1e-6 left the map up to
 * 1.5e-4 from a float64 LRP even with the normalisation computed exactly, 1e-4 about 3.5e-5 (issue 15).
 */
export const DEFAULT_EPSILON = 1e-4;

export interface LrpGraphOptions extends BackwardGraphOptions {
  readonly epsilon?: number;
  /** Where relevance is measured: the raw input (default) or the first convolution's input. */
  readonly at?: LrpPoint;
}

/**
 * Appends LRP with the epsilon rule to the model's graph, so one session run returns the model's
 * outputs and the relevance map. Relevance starts as the chosen output value and goes back layer by
 * layer: through linear layers (Conv with folded BatchNormalization, Gemm, affine, average pooling)
 * as R_in = a * Wᵀ(R / (z + eps * sign z)), unchanged through ReLU, winner-take-all through MaxPool,
 * cropped through Pad and reshaped through Flatten. The map is |sum over channels| of the input
 * relevance, min-max normalised per image: relevance is signed, and its sign follows the sign of the
 * steering value, so the magnitude is what a mask can show for either direction.
 *
 * The model's input normalisation (Div, Sub, ... by constants before the first convolution) counts
 * as affine layers of the rule. At `at: "input"` relevance goes through them, computed from the raw
 * input so float32 holds (lrp-normalisation.ts); at `at: "conv1"` it is read at the first
 * convolution's input, where the normalised image enters it.
 */
export function addLrp(model: OnnxModel, chain: LayerChain, options: LrpGraphOptions = {}): BackwardGraph {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  if (!(epsilon > 0) || !Number.isFinite(epsilon))
    throw new Error(`lrp: epsilon must be a positive number, got ${epsilon}`);
  const b = new BackwardBuilder(model, "lrp");
  const outputs = new BackwardOutputs(b, chain, options);
  const { layers } = chain;
  const run = normalisationRun(layers);
  const stop = options.at === "conv1" ? firstConvolution(layers) : 0;
  let relevance = b.node("Mul", [chain.output.name, oneHotRow(b, chain, options.outputIndex ?? 0)], "top");
  /** P of the relevance a * P at the input of the layer just passed, inside the normalisation run. */
  let factor = "";
  outputs.trace(layers.length, relevance);
  for (let i = layers.length - 1; i >= stop; i--) {
    const layer = layers[i];
    const base = `l${i}_${layer.kind}`;
    if (run !== undefined && i <= run.length && isLinear(layer)) {
      // The layer after the run, then the run itself: carry P, multiply by the input at each step.
      if (i === run.length) {
        const z = stabilised(b, layer, layers[i + 1], epsilon, base);
        factor = linearBackward(b, layer, b.node("Div", [relevance, z], `${base}_s`), `${base}_c`);
      } else {
        factor = factorThroughAffine(
          b,
          run,
          i,
          layer as AffineLayer,
          chain.input.name,
          factor,
          epsilon,
          base,
        );
      }
      relevance = b.node("Mul", [layer.input, factor], `${base}_r`);
    } else if (isLinear(layer)) {
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
 * Index of the first convolution, which only per-channel affine layers (the input normalisation)
 * may precede: its input has the model input's shape, so the map needs no resampling.
 */
export function firstConvolution(layers: readonly Layer[]): number {
  let i = 0;
  while (i < layers.length && layers[i].kind === "affine") i++;
  if (layers[i]?.kind !== "conv") {
    throw new UnsupportedModelError(
      `LRP at conv1 needs a Conv right after the input normalisation; layer ${i} is ` +
        (layers[i] === undefined ? "missing" : `a ${layers[i].kind} (${layers[i].nodes.join(", ")})`),
    );
  }
  return i;
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
