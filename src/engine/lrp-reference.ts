import { isLinear, LayerChain } from "./chain-layers";
import {
  Activations,
  itemOf,
  linearTranspose,
  maxPoolRoute,
  normaliseMap,
  padOrCrop,
} from "./chain-reference";
import { DEFAULT_EPSILON } from "./lrp-graph";

export interface BackwardReference {
  /** N * H * W maps at input resolution, in [0, 1]. */
  readonly masks: Float32Array;
  /** `traces[i]`: the whole batch's raw tensor at layer i's input; the last is at the output. */
  readonly traces: readonly Float64Array[];
}

export interface LrpReferenceOptions {
  readonly epsilon?: number;
  readonly outputIndex?: number;
}

/**
 * LRP-epsilon in float64 from the weights and the forward activations (ONNX Runtime's, or
 * `referenceForward`'s): the second opinion on `addLrp`, with the same rules and the same map
 * (|sum over channels|, min-max normalised). Uses the true pre-activation z everywhere.
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
  const { layers } = chain;
  const masks = new Float32Array(batch * height * width);
  const traces = [...layers.map((l) => l.inShape), [chain.output.width]].map(
    (s) => new Float64Array(batch * s.reduce((a, b) => a * b, 1)),
  );
  for (let n = 0; n < batch; n++) {
    const top = itemOf(activations, chain.output.name, [chain.output.width], n);
    let r: Float64Array = top.map((v, k) => (k === index ? v : 0));
    traces[layers.length].set(r, n * r.length);
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      if (isLinear(layer)) {
        const a = itemOf(activations, layer.input, layer.inShape, n);
        const z = itemOf(activations, layer.output, layer.outShape, n);
        const s = r.map((v, k) => v / (z[k] + (z[k] < 0 ? -epsilon : epsilon)));
        const c = linearTranspose(layer, s);
        r = a.map((v, k) => v * c[k]);
      } else if (layer.kind === "maxpool") {
        const x = itemOf(activations, layer.input, layer.inShape, n);
        const y = itemOf(activations, layer.output, layer.outShape, n);
        r = maxPoolRoute(layer, x, y, r);
      } else if (layer.kind === "pad") {
        r = padOrCrop(layer, r, false);
      }
      // ReLU passes relevance through; Flatten keeps the row-major order.
      traces[i].set(r, n * r.length);
    }
    const map = new Float64Array(height * width);
    for (let c = 0; c < channels; c++) for (let p = 0; p < map.length; p++) map[p] += r[c * map.length + p];
    masks.set(normaliseMap(map.map(Math.abs)), n * map.length);
  }
  return { masks, traces };
}
