/**
 * LRP through the model's input normalisation (e.g. `x / 127.5 - 1`: a Div and a Sub, two affine
 * layers), computed from the raw input so float32 holds.
 *
 * The epsilon rule across an affine layer y = s * a + o is R_a = a * s * R_y / (y + eps * sign y).
 * After the normalisation y is near 0 wherever x is near the midpoint (grey road, neutral chroma),
 * and float32 `x / 127.5 - 1` has an absolute rounding error of about 6e-8 there: divided by
 * y + eps (eps = 1e-6), it moved LRP's map by 2.9e-3 (issue 15). Relevance at the input of a linear
 * layer always has the form R = a * P (a its input, P = Wᵀ(R_out / z)), so each affine layer j of
 * the leading run only multiplies P by s_j * |y_j| / (|y_j| + eps). With y_j = S_j (x - m_j)
 * (S_j, m_j the run's cumulative scale and zero point, from the weights in float64) that factor is
 * |x - m_j| / (|x - m_j| + eps / |S_j|): x - m_j is exact in float32 near the zero point, so nothing
 * cancels. The rule and its result are unchanged; only the rounding is.
 */
import { BackwardBuilder } from "./backward-builder";
import { AffineLayer, Layer } from "./chain-layers";

/** Per channel, for each layer of the leading affine run: zero point m_j and eps / |S_j|. */
export interface NormalisationRun {
  /** Layers 0..length-1 of the chain are the run. */
  readonly length: number;
  readonly zeroPoints: readonly Float64Array[];
  readonly inverseScales: readonly Float64Array[];
}

/**
 * The chain's leading run of affine layers when a linear layer follows it (so relevance there has
 * the form a * P), and every cumulative scale is finite and non-zero; else undefined.
 */
export function normalisationRun(layers: readonly Layer[]): NormalisationRun | undefined {
  let length = 0;
  while (length < layers.length && layers[length].kind === "affine") length++;
  const next = layers[length];
  if (length === 0 || next === undefined || !["conv", "dense", "avgpool"].includes(next.kind))
    return undefined;
  const channels = (layers[0] as AffineLayer).scale.length;
  const scale = new Float64Array(channels).fill(1);
  const offset = new Float64Array(channels);
  const zeroPoints: Float64Array[] = [];
  const inverseScales: Float64Array[] = [];
  for (let j = 0; j < length; j++) {
    const layer = layers[j] as AffineLayer;
    if (layer.scale.length !== channels) return undefined;
    const m = new Float64Array(channels);
    const inverse = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      scale[c] *= layer.scale[c];
      offset[c] = offset[c] * layer.scale[c] + layer.offset[c];
      if (!(Number.isFinite(scale[c]) && scale[c] !== 0 && Number.isFinite(offset[c]))) return undefined;
      m[c] = -offset[c] / scale[c];
      inverse[c] = 1 / Math.abs(scale[c]);
    }
    zeroPoints.push(m);
    inverseScales.push(inverse);
  }
  return { length, zeroPoints, inverseScales };
}

/**
 * P after affine layer j of the run: P * s_j * |x - m_j| / (|x - m_j| + eps / |S_j|), with x the
 * chain's raw input.
 */
export function factorThroughAffine(
  b: BackwardBuilder,
  run: NormalisationRun,
  j: number,
  layer: AffineLayer,
  input: string,
  factor: string,
  epsilon: number,
  base: string,
): string {
  const dims = [layer.scale.length, 1, 1];
  const centred = b.node(
    "Sub",
    [input, b.floats(`${base}_zero_point`, dims, run.zeroPoints[j])],
    `${base}_centred`,
  );
  const distance = b.node("Abs", [centred], `${base}_distance`);
  const stabiliser = b.floats(
    `${base}_eps_over_scale`,
    dims,
    run.inverseScales[j].map((v) => v * epsilon),
  );
  const ratio = b.node(
    "Div",
    [distance, b.node("Add", [distance, stabiliser], `${base}_den`)],
    `${base}_ratio`,
  );
  const scaled = b.node("Mul", [factor, b.floats(`${base}_scale`, dims, layer.scale)], `${base}_scaled`);
  return b.node("Mul", [scaled, ratio], `${base}_factor`);
}
