/**
 * Test reference, not used at run time: test/engine compares the engine's float32 gradient graph
 * with this float64 computation.
 */
import { LayerChain } from "./chain-layers";
import { Activations, itemOf, linearTranspose, normaliseMap, walkBackward } from "./chain-reference";
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
  const { inputs, traces } = walkBackward(chain, activations, batch, {
    start: () => Float64Array.from({ length: chain.output.width }, (_, k) => (k === outputIndex ? 1 : 0)),
    linear: (layer, g) => linearTranspose(layer, g),
    relu: (layer, g, n) => {
      const z = itemOf(activations, layer.input, layer.inShape, n);
      return g.map((v, k) => (z[k] > 0 ? v : layer.alpha * v));
    },
  });
  const masks = new Float32Array(batch * height * width);
  inputs.forEach((g, n) => {
    const map = new Float64Array(height * width).fill(-Infinity);
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < map.length; p++) map[p] = Math.max(map[p], Math.abs(g[c * map.length + p]));
    }
    masks.set(normaliseMap(map), n * map.length);
  });
  return { masks, traces };
}
