import { GraphBuilder } from "../onnx/graph-builder";
import { OnnxModel } from "../onnx/onnx-model";
import { attr } from "../onnx/onnx-writer";
import { sizeAdjustment, SpatialOp } from "./geometry";
import { FeatureMap, VbpPlan } from "./trunk";

/** Name of the mask output the rewrite adds: (N, 1, H, W) at input resolution, in [0, 1]. */
export const MASK_OUTPUT = "visualbackprop/mask";

export interface VbpGraphOptions {
  /** Also output the feature maps themselves (activation outputs): the reference tests use them. */
  readonly featureMaps?: boolean;
}

/** An intermediate mask as the graph outputs it: the raw product, not yet normalised. */
export interface LayerOutput {
  readonly output: string;
  /** The feature map tensor the mask belongs to. */
  readonly layer: string;
  readonly height: number;
  readonly width: number;
}

export interface VbpGraph {
  /** The rewritten model, ready for an InferenceSession. */
  readonly bytes: Uint8Array;
  readonly maskOutput: string;
  /**
   * Deepest first. The products are computed for the mask anyway, so exposing them adds no node:
   * ONNX Runtime runs every node whatever is fetched, so in-graph normalisation would cost every run.
   */
  readonly layerOutputs: readonly LayerOutput[];
  /** Feature map tensors, shallowest first; empty unless asked for. */
  readonly featureMapOutputs: readonly string[];
}

/**
 * Appends VisualBackProp to the model's own graph, so one session run returns the model's outputs
 * and the masks without moving feature maps out of the runtime (or off the GPU).
 */
export function addVisualBackProp(model: OnnxModel, plan: VbpPlan, options: VbpGraphOptions = {}): VbpGraph {
  const b = new GraphBuilder(model, "visualbackprop");
  const averaged = plan.featureMaps.map((map, i) => channelMean(b, map, `avg${i}`));

  const layerOutputs: LayerOutput[] = [];
  let upscaled: string | undefined;
  for (let i = plan.featureMaps.length - 1; i >= 0; i--) {
    // The deepest averaged map starts the walk; each shallower one multiplies what came from below.
    const product =
      upscaled === undefined ? averaged[i] : b.node("Mul", [averaged[i], upscaled], `product${i}`);
    const map = plan.featureMaps[i];
    b.output(product, [plan.input.batchDim, 1, map.height, map.width]);
    layerOutputs.push({ output: product, layer: map.tensor, height: map.height, width: map.width });
    upscaled = product;
    const ops = plan.opsBefore[i];
    for (let j = ops.length - 1; j >= 0; j--) upscaled = transposedOnes(b, upscaled, ops[j], `up${i}_${j}`);
  }
  const mask = b.normalise(upscaled as string, "mask", MASK_OUTPUT);
  b.output(mask, [plan.input.batchDim, 1, plan.input.height, plan.input.width]);

  const featureMapOutputs: string[] = [];
  if (options.featureMaps) {
    const existing = new Set(model.graph.outputs.map((o) => o.name));
    for (const map of plan.featureMaps) {
      if (!existing.has(map.tensor))
        b.output(map.tensor, [plan.input.batchDim, `${map.tensor}_channels`, map.height, map.width]);
      featureMapOutputs.push(map.tensor);
    }
  }
  return { bytes: b.finish(), maskOutput: mask, layerOutputs, featureMapOutputs };
}

/**
 * Feature maps at least this large (channels x height x width, per image) are averaged by a MatMul
 * with a 1 x C row of 1/C, which ONNX Runtime runs faster than a ReduceMean over the channel axis
 * (PilotNet's first map, 24 x 31 x 98, at every batch size measured; `bench/profile-bench.ts`
 * times the nodes). Smaller maps keep the single ReduceMean node: one node instead of three, as
 * fast there.
 */
const MATMUL_MEAN_MIN_VALUES = 32768;

/** The channel mean of a feature map, (N, 1, H, W). */
export function channelMean(b: GraphBuilder, map: FeatureMap, base: string): string {
  const channels = map.channels;
  if (channels === undefined || b.opset < 5 || channels * map.height * map.width < MATMUL_MEAN_MIN_VALUES)
    return b.reduce("ReduceMean", map.tensor, [1], base);
  // Reshape's 0 keeps the batch size as it is, so the batch stays dynamic.
  const rows = b.node("Reshape", [map.tensor, b.ints([0, channels, -1])], `${base}_rows`);
  const weights = b.floats(
    `mean_row_${channels}`,
    [1, channels],
    new Float32Array(channels).fill(1 / channels),
  );
  const mean = b.node("MatMul", [weights, rows], `${base}_flat`);
  return b.node("Reshape", [mean, b.ints([0, 1, map.height, map.width])], base);
}

/** Transposed convolutions with at least this many output pixels per image run as two 1-D passes. */
const SEPARABLE_MIN_PIXELS = 1024;

/** Ones-filter transposed convolution undoing one spatial op's geometry, trimmed to its input size. */
export function transposedOnes(b: GraphBuilder, input: string, op: SpatialOp, base: string): string {
  const [kh, kw] = op.kernel;
  const [dh, dw] = sizeAdjustment(op);
  const pass = (axis: 0 | 1 | "both", input: string, name: string): string => {
    const pick = (v: readonly number[], other: number): number[] =>
      axis === "both" ? [v[0], v[1]] : axis === 0 ? [v[0], other] : [other, v[1]];
    const kernel = pick(op.kernel, 1);
    const ones = b.floats(
      `ones_${kernel[0]}x${kernel[1]}`,
      [1, 1, kernel[0], kernel[1]],
      new Float32Array(kernel[0] * kernel[1]).fill(1),
    );
    const [top, left, bottom, right] = op.pads;
    const pads =
      axis === "both" ? [top, left, bottom, right] : axis === 0 ? [top, 0, bottom, 0] : [0, left, 0, right];
    return b.node("ConvTranspose", [input, ones], name, {
      kernel_shape: attr.ints(kernel),
      strides: attr.ints(pick(op.strides, 1)),
      dilations: attr.ints(pick(op.dilations, 1)),
      pads: attr.ints(pads),
      output_padding: attr.ints(pick([Math.max(0, dh), Math.max(0, dw)], 0)),
    });
  };
  // A ones kernel is separable: two 1-D passes do kh + kw additions per output instead of kh * kw,
  // and ONNX Runtime's ConvTranspose cost grows with the kernel's area. The pass along the width
  // goes first: per output value it costs ONNX Runtime about twice the pass along the height, so it
  // is better run on the shorter tensor (PilotNet's level 0). Small outputs keep one node: there a
  // node's fixed cost outweighs the additions (PilotNet's three deepest levels). The profile bench
  // times these nodes.
  const separable = kh > 1 && kw > 1 && op.inputSize[0] * op.inputSize[1] >= SEPARABLE_MIN_PIXELS;
  const output = separable ? pass(0, pass(1, input, `${base}_cols`), base) : pass("both", input, base);
  if (dh >= 0 && dw >= 0) return output;
  // Pooling in ceil mode covers more than its input: crop the overshoot at the bottom and right.
  const starts = b.ints([0, 0]);
  const ends = b.ints([op.inputSize[0], op.inputSize[1]]);
  const axes = b.ints([2, 3]);
  return b.node("Slice", [output, starts, ends, axes], `${base}_crop`);
}
