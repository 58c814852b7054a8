import { LayerChain } from "./chain-layers";
import { Activations, itemOf, linearTranspose, normaliseMap, walkBackward } from "./chain-reference";
import { DEFAULT_EPSILON, firstConvolution } from "./lrp-graph";
import { LrpPoint } from "./types";

export interface BackwardReference {
  /** N * H * W maps at input resolution, in [0, 1]. */
  readonly masks: Float32Array;
  /** `traces[i]`: the whole batch's raw tensor at layer i's input; the last is at the output. */
  readonly traces: readonly Float64Array[];
}

export interface LrpReferenceOptions {
  readonly epsilon?: number;
  readonly outputIndex?: number;
  /** Where relevance is measured (default `input`), as in `addLrp`. */
  readonly lrpAt?: LrpPoint;
}

/**
 * LRP-epsilon in float64 from the weights and the forward activations (ONNX Runtime's, or
 * `referenceForward`'s): the second opinion on `addLrp`, with the same rules and the same map
 * (|sum over channels|, min-max normalised). Uses the true pre-activation z everywhere, and the
 * plain rule through the input normalisation: in float64 it needs no rearranging.
 */
export function referenceLrp(
  chain: LayerChain,
  activations: Activations,
  batch: number,
  options: LrpReferenceOptions = {},
): BackwardReference {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  const index = options.outputIndex ?? 0;
  const [channels, height, width] = chain.input.shape;
  const { inputs, traces } = walkBackward(chain, activations, batch, {
    start: (n) =>
      itemOf(activations, chain.output.name, [chain.output.width], n).map((v, k) => (k === index ? v : 0)),
    linear: (layer, r, n) => {
      const a = itemOf(activations, layer.input, layer.inShape, n);
      const z = itemOf(activations, layer.output, layer.outShape, n);
      const s = r.map((v, k) => v / (z[k] + (z[k] < 0 ? -epsilon : epsilon)));
      const c = linearTranspose(layer, s);
      return a.map((v, k) => v * c[k]);
    },
    // ReLU passes relevance through: no `relu` rule.
  });
  const masks = new Float32Array(batch * height * width);
  const size = channels * height * width;
  const measured =
    options.lrpAt === "conv1"
      ? inputs.map((_, n) => traces[firstConvolution(chain.layers)].subarray(n * size, (n + 1) * size))
      : inputs;
  measured.forEach((r, n) => {
    const map = new Float64Array(height * width);
    for (let c = 0; c < channels; c++) for (let p = 0; p < map.length; p++) map[p] += r[c * map.length + p];
    masks.set(normaliseMap(map.map(Math.abs)), n * map.length);
  });
  return { masks, traces };
}
