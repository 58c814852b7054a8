/**
 * The layers LRP and the input gradient walk back through, as plain data: the graph rewrite and the
 * float64 references read the same description, so they cannot disagree about what the model is.
 */
import { OnnxDim } from "../onnx/onnx-model";
import { Size2 } from "./geometry";

/** Top, left, bottom, right. */
export type Quad = readonly [number, number, number, number];

/** Per-image shape: [C, H, W] for image tensors, [F] after flattening. */
export type ItemShape = readonly number[];

/** A sliding window (convolution or pooling) with `auto_pad` resolved into explicit pads. */
export interface Window2d {
  readonly kernel: Size2;
  readonly strides: Size2;
  readonly dilations: Size2;
  readonly pads: Quad;
}

interface LayerBase {
  /** The ONNX nodes this layer stands for (a Conv with the BatchNormalization folded into it: both). */
  readonly nodes: readonly string[];
  /** Graph tensor the layer reads (the activation `a` of LRP). */
  readonly input: string;
  /** Graph tensor the layer writes (the pre-activation `z` of LRP, bias included). */
  readonly output: string;
  readonly inShape: ItemShape;
  readonly outShape: ItemShape;
}

/** Conv, with any per-channel affine that followed it folded into weight and bias. */
export interface ConvLayer extends LayerBase {
  readonly kind: "conv";
  readonly window: Window2d;
  readonly group: number;
  /** (out, in / group, kh, kw), row-major. */
  readonly weight: Float32Array;
  readonly weightDims: readonly [number, number, number, number];
  readonly bias: Float32Array;
  /** The model's own weight initializer, when folding left the weights unchanged. */
  readonly weightName?: string;
}

/** Gemm or MatMul(+Add), folded like a convolution. */
export interface DenseLayer extends LayerBase {
  readonly kind: "dense";
  /** (out, in), row-major: output = weight * input + bias. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** The model's own weight initializer, when unchanged; `inOut` when it is stored (in, out). */
  readonly initializer?: { readonly name: string; readonly layout: "outIn" | "inOut" };
}

/** y = scale * x + offset along axis 1 (BatchNormalization or a constant Add/Sub/Mul/Div on its own). */
export interface AffineLayer extends LayerBase {
  readonly kind: "affine";
  readonly scale: Float32Array;
  readonly offset: Float32Array;
}

/** Relu (alpha 0) or LeakyRelu. */
export interface ActivationLayer extends LayerBase {
  readonly kind: "relu";
  readonly alpha: number;
}

export interface MaxPoolLayer extends LayerBase {
  readonly kind: "maxpool";
  readonly window: Window2d;
}

export interface AvgPoolLayer extends LayerBase {
  readonly kind: "avgpool";
  readonly window: Window2d;
  /** 1 / divisor for each output position (Ho * Wo), as ONNX Runtime divides at the borders. */
  readonly inverseDivisor: Float64Array;
}

/** A constant-mode Pad of the spatial axes. */
export interface PadLayer extends LayerBase {
  readonly kind: "pad";
  readonly pads: Quad;
}

/** Flatten or Reshape from (N, C, H, W) to (N, C*H*W). */
export interface FlattenLayer extends LayerBase {
  readonly kind: "flatten";
}

export type Layer =
  | ConvLayer
  | DenseLayer
  | AffineLayer
  | ActivationLayer
  | MaxPoolLayer
  | AvgPoolLayer
  | PadLayer
  | FlattenLayer;

/** Layers whose LRP rule is R_in = a * Wᵀ(R / (z + eps * sign z)). */
export type LinearLayer = ConvLayer | DenseLayer | AffineLayer | AvgPoolLayer;

export function isLinear(layer: Layer): layer is LinearLayer {
  return (
    layer.kind === "conv" || layer.kind === "dense" || layer.kind === "affine" || layer.kind === "avgpool"
  );
}

/** The whole model as one chain from its image input to its output vector. */
export interface LayerChain {
  readonly input: {
    readonly name: string;
    readonly batchDim: OnnxDim;
    readonly shape: readonly [number, number, number];
  };
  /** Input to output, in forward order. */
  readonly layers: readonly Layer[];
  /** The model output the maps explain, (N, width). */
  readonly output: { readonly name: string; readonly width: number };
}

export const itemSize = (shape: ItemShape): number => shape.reduce((a, b) => a * b, 1);
