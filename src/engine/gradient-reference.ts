import { isLinear, LayerChain } from "./chain-layers";
import {
  Activations,
  itemOf,
  linearTranspose,
  maxPoolRoute,
  normaliseMap,
  padOrCrop,
} from "./chain-reference";
import { BackwardReference } from "./lrp-reference";

/**
 * d output / d input in float64 from the weights and the forward activations: the second opinion on
 * `addInputGradient`, with the same map (largest |gradient| over channels, min-max normalised).
 * ReLU's derivative is 1 for z > 0 and alpha (0 for ReLU) otherwise.
 */
export function referenceGradient(
  chain: LayerChain,
  activations: Activations,
  batch: number,
  outputIndex = 0,
): BackwardReference {
  const [channels, height, width] = chain.input.shape;
  const { layers } = chain;
  const masks = new Float32Array(batch * height * width);
  const traces = [...layers.map((l) => l.inShape), [chain.output.width]].map(
    (s) => new Float64Array(batch * s.reduce((a, b) => a * b, 1)),
  );
  for (let n = 0; n < batch; n++) {
    let g: Float64Array = Float64Array.from({ length: chain.output.width }, (_, k) =>
      k === outputIndex ? 1 : 0,
    );
    traces[layers.length].set(g, n * g.length);
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      if (isLinear(layer)) {
        g = linearTranspose(layer, g);
      } else if (layer.kind === "relu") {
        const z = itemOf(activations, layer.input, layer.inShape, n);
        g = g.map((v, k) => (z[k] > 0 ? v : layer.alpha * v));
      } else if (layer.kind === "maxpool") {
        const x = itemOf(activations, layer.input, layer.inShape, n);
        const y = itemOf(activations, layer.output, layer.outShape, n);
        g = maxPoolRoute(layer, x, y, g);
      } else if (layer.kind === "pad") {
        g = padOrCrop(layer, g, false);
      }
      traces[i].set(g, n * g.length);
    }
    const map = new Float64Array(height * width).fill(-Infinity);
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < map.length; p++) map[p] = Math.max(map[p], Math.abs(g[c * map.length + p]));
    }
    masks.set(normaliseMap(map), n * map.length);
  }
  return { masks, traces };
}
