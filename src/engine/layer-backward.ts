/**
 * The backward step of each layer as ONNX nodes, shared by LRP and the input gradient: both send a
 * tensor of the layer's output shape back to its input shape through the transposed layer.
 */
import { attr } from "../onnx/onnx-writer";
import { BackwardBuilder } from "./backward-builder";
import { FlattenLayer, LinearLayer, MaxPoolLayer, PadLayer, Window2d } from "./chain-layers";

/** Smallest float32 magnitude stand-in for -inf: padding that never wins a max. */
const NEVER_MAX = -3.4e38;

/** Transposed linear map of a Conv, Gemm/MatMul, affine or average pooling layer. */
export function linearBackward(b: BackwardBuilder, layer: LinearLayer, input: string, base: string): string {
  switch (layer.kind) {
    case "conv": {
      const weight = layer.weightName ?? b.floats(`${base}_weight`, layer.weightDims, layer.weight);
      return transposedWindow(
        b,
        input,
        weight,
        layer.group,
        layer.window,
        layer.inShape,
        layer.outShape,
        base,
      );
    }
    case "dense": {
      const init = layer.initializer;
      // Gemm(s, B): s (N, out) times the (out, in) matrix, read transposed when stored (in, out).
      const weight =
        init?.name ?? b.floats(`${base}_weight`, [layer.outShape[0], layer.inShape[0]], layer.weight);
      const transB = init?.layout === "inOut" ? 1 : 0;
      return b.node("Gemm", [input, weight], base, { transB: attr.int(transB) });
    }
    case "affine": {
      const dims = layer.inShape.length === 3 ? [layer.scale.length, 1, 1] : [layer.scale.length];
      return b.node("Mul", [input, b.floats(`${base}_scale`, dims, layer.scale)], base);
    }
    case "avgpool": {
      const [channels, ho, wo] = layer.outShape;
      const [kh, kw] = layer.window.kernel;
      const scaled = b.node(
        "Mul",
        [input, b.floats(`${base}_inverse_divisor`, [1, ho, wo], layer.inverseDivisor)],
        `${base}_scaled`,
      );
      const ones = b.floats(
        `ones_${channels}x${kh}x${kw}`,
        [channels, 1, kh, kw],
        new Float32Array(channels * kh * kw).fill(1),
      );
      return transposedWindow(b, scaled, ones, channels, layer.window, layer.inShape, layer.outShape, base);
    }
  }
}

/**
 * ConvTranspose with the window's geometry, sized to exactly the forward input: rows the window
 * never read come back as zeros (output padding), and windows past the input are cut (end pads).
 */
function transposedWindow(
  b: BackwardBuilder,
  input: string,
  weight: string,
  group: number,
  win: Window2d,
  inShape: readonly number[],
  outShape: readonly number[],
  base: string,
): string {
  const endPads: number[] = [];
  const outputPadding: number[] = [];
  for (const axis of [0, 1] as const) {
    const full =
      (outShape[axis + 1] - 1) * win.strides[axis] + (win.kernel[axis] - 1) * win.dilations[axis] + 1;
    const excess = full - win.pads[axis] - inShape[axis + 1];
    endPads.push(Math.max(0, excess));
    outputPadding.push(Math.max(0, -excess));
  }
  return b.node("ConvTranspose", [input, weight], base, {
    kernel_shape: attr.ints(win.kernel),
    strides: attr.ints(win.strides),
    dilations: attr.ints(win.dilations),
    pads: attr.ints([win.pads[0], win.pads[1], endPads[0], endPads[1]]),
    output_padding: attr.ints(outputPadding),
    group: attr.int(group),
  });
}

/**
 * MaxPool's backward: each window's value goes to the input positions that hold its maximum, split
 * equally between ties (PyTorch gives all to the first; equal shares keep LRP conservative and do
 * not depend on scan order). For every kernel offset a strided Slice lines the input up with the
 * output and `not (x < max)` marks the winners; one grouped ConvTranspose with one-hot kernels adds
 * the shares back at their positions, so overlapping windows accumulate.
 */
export function maxPoolBackward(
  b: BackwardBuilder,
  layer: MaxPoolLayer,
  input: string,
  base: string,
): string {
  const [channels, ho, wo] = layer.outShape;
  const [, h, w] = layer.inShape;
  const { kernel, strides, dilations, pads } = layer.window;
  const count = kernel[0] * kernel[1];
  const bottom = Math.max(0, (ho - 1) * strides[0] + (kernel[0] - 1) * dilations[0] + 1 - pads[0] - h);
  const right = Math.max(0, (wo - 1) * strides[1] + (kernel[1] - 1) * dilations[1] + 1 - pads[1] - w);
  let padded = layer.input;
  if (pads[0] + pads[1] + bottom + right > 0) {
    padded = b.node(
      "Pad",
      [layer.input, b.ints([0, 0, pads[0], pads[1], 0, 0, bottom, right]), b.scalar(NEVER_MAX)],
      `${base}_padded`,
      {
        mode: attr.string("constant"),
      },
    );
  }
  const winners: string[] = [];
  for (let ky = 0; ky < kernel[0]; ky++) {
    for (let kx = 0; kx < kernel[1]; kx++) {
      const [y0, x0] = [ky * dilations[0], kx * dilations[1]];
      const sliced = b.node(
        "Slice",
        [
          padded,
          b.ints([y0, x0]),
          b.ints([y0 + (ho - 1) * strides[0] + 1, x0 + (wo - 1) * strides[1] + 1]),
          b.ints([2, 3]),
          b.ints([...strides]),
        ],
        `${base}_at${ky}_${kx}`,
      );
      const below = b.node("Less", [sliced, layer.output], `${base}_below${ky}_${kx}`);
      const wins = b.node("Not", [below], `${base}_wins${ky}_${kx}`);
      winners.push(b.node("Cast", [wins], `${base}_winner${ky}_${kx}`, { to: attr.int(1) }));
    }
  }
  const ties = count === 1 ? winners[0] : b.node("Sum", winners, `${base}_ties`);
  const share = b.node("Div", [input, ties], `${base}_share`);
  const parts = winners.map((winner, k) => b.node("Mul", [winner, share], `${base}_part${k}`));
  // (N, K*C) offset-major -> (N, C*K) channel-major, the order a grouped ConvTranspose reads.
  const stacked = count === 1 ? parts[0] : b.node("Concat", parts, `${base}_stacked`, { axis: attr.int(1) });
  const split = b.node("Reshape", [stacked, b.ints([0, count, channels, ho, wo])], `${base}_split`);
  const swapped = b.node("Transpose", [split], `${base}_swapped`, { perm: attr.ints([0, 2, 1, 3, 4]) });
  const grouped = b.node("Reshape", [swapped, b.ints([0, channels * count, ho, wo])], `${base}_grouped`);
  const oneHot = new Float32Array(channels * count * count);
  for (let c = 0; c < channels; c++) for (let k = 0; k < count; k++) oneHot[(c * count + k) * count + k] = 1;
  const weight = b.floats(
    `one_hot_${channels}x${kernel[0]}x${kernel[1]}`,
    [channels * count, 1, kernel[0], kernel[1]],
    oneHot,
  );
  return transposedWindow(b, grouped, weight, channels, layer.window, layer.inShape, layer.outShape, base);
}

/** Pad's backward: the padded border is cut off again. */
export function padBackward(b: BackwardBuilder, layer: PadLayer, input: string, base: string): string {
  const [, h, w] = layer.inShape;
  const [top, left] = layer.pads;
  return b.node("Slice", [input, b.ints([top, left]), b.ints([top + h, left + w]), b.ints([2, 3])], base);
}

/** Flatten's backward: the image shape again. */
export function flattenBackward(
  b: BackwardBuilder,
  layer: FlattenLayer,
  input: string,
  base: string,
): string {
  return b.node("Reshape", [input, b.ints([-1, ...layer.inShape])], base);
}
