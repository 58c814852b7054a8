import { SpatialOp } from "./geometry";
import { VbpPlan } from "./trunk";

/** A feature map as ONNX Runtime returns it: (N, C, H, W), row-major. */
export interface FeatureMapTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface ReferenceResult {
  /** N * H * W masks at input resolution, in [0, 1]. */
  readonly masks: Float32Array;
  /** Per layer, deepest first, N * h * w normalised intermediate masks. */
  readonly layers: readonly Float32Array[];
}

/**
 * VisualBackProp computed in plain TypeScript (float64) from the feature maps, written for
 * clarity rather than speed: the tests' second opinion on the in-graph rewrite.
 */
export function referenceVisualBackProp(maps: readonly FeatureMapTensor[], plan: VbpPlan): ReferenceResult {
  if (maps.length !== plan.featureMaps.length) {
    throw new Error(`reference: expected ${plan.featureMaps.length} feature maps, got ${maps.length}`);
  }
  const batch = maps[0].dims[0];
  const masks = new Float32Array(batch * plan.input.height * plan.input.width);
  const layers = maps.map(() => [] as number[]);
  for (let n = 0; n < batch; n++) {
    let up: Plane | undefined;
    for (let i = maps.length - 1; i >= 0; i--) {
      const averaged = channelMean(maps[i], n);
      const product: Plane = up === undefined ? averaged : multiply(averaged, up);
      layers[maps.length - 1 - i].push(...normalise(product.values));
      up = product;
      const ops = plan.opsBefore[i];
      for (let j = ops.length - 1; j >= 0; j--) up = transposedOnes(up, ops[j]);
    }
    masks.set(normalise((up as Plane).values), n * plan.input.height * plan.input.width);
  }
  return { masks, layers: layers.map((l) => Float32Array.from(l)) };
}

interface Plane {
  readonly height: number;
  readonly width: number;
  readonly values: Float64Array;
}

function channelMean(map: FeatureMapTensor, n: number): Plane {
  const [, channels, height, width] = map.dims;
  const values = new Float64Array(height * width);
  const base = n * channels * height * width;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < height * width; p++) values[p] += map.data[base + c * height * width + p];
  }
  for (let p = 0; p < values.length; p++) values[p] /= channels;
  return { height, width, values };
}

function multiply(a: Plane, b: Plane): Plane {
  if (a.height !== b.height || a.width !== b.width) {
    throw new Error(`reference: cannot multiply ${a.height}x${a.width} by ${b.height}x${b.width}`);
  }
  return { height: a.height, width: a.width, values: a.values.map((v, i) => v * b.values[i]) };
}

/**
 * Transposed convolution with a ones kernel: every value is added to each input position the
 * operation's window covered. The result has exactly the operation's input size: rows the window
 * never reached stay 0 (bottom/right), and any overshoot is cut.
 */
function transposedOnes(plane: Plane, op: SpatialOp): Plane {
  const [height, width] = op.inputSize;
  const values = new Float64Array(height * width);
  for (let y = 0; y < plane.height; y++) {
    for (let x = 0; x < plane.width; x++) {
      const v = plane.values[y * plane.width + x];
      for (let ky = 0; ky < op.kernel[0]; ky++) {
        const iy = y * op.strides[0] - op.pads[0] + ky * op.dilations[0];
        if (iy < 0 || iy >= height) continue;
        for (let kx = 0; kx < op.kernel[1]; kx++) {
          const ix = x * op.strides[1] - op.pads[1] + kx * op.dilations[1];
          if (ix < 0 || ix >= width) continue;
          values[iy * width + ix] += v;
        }
      }
    }
  }
  return { height, width, values };
}

function normalise(values: Float64Array): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  return values.map((v) => (range > 0 ? (v - min) / range : 0));
}
