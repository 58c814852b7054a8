/**
 * The chain's layers in plain float64 TypeScript, forward and transposed, written for clarity rather
 * than speed: the references for LRP and the input gradient are built from these. Test reference,
 * not used at run time (the engine runs ONNX graphs).
 */
import {
  ActivationLayer,
  isLinear,
  ItemShape,
  itemSize,
  Layer,
  LayerChain,
  LinearLayer,
  MaxPoolLayer,
  PadLayer,
  Window2d,
} from "./chain-layers";

/** Whole-batch tensors by graph name, N * item size values each, as ONNX Runtime returns them. */
export type Activations = ReadonlyMap<string, ArrayLike<number>>;

/** Calls `visit` for every (output position, input position) pair a window covers inside the input. */
function forEachTap(
  win: Window2d,
  inShape: ItemShape,
  outShape: ItemShape,
  visit: (outIndex: number, inIndex: number, tap: number) => void,
): void {
  const [, h, w] = inShape;
  const [, ho, wo] = outShape;
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let ky = 0; ky < win.kernel[0]; ky++) {
        const iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0];
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < win.kernel[1]; kx++) {
          const ix = ox * win.strides[1] - win.pads[1] + kx * win.dilations[1];
          if (ix < 0 || ix >= w) continue;
          visit(oy * wo + ox, iy * w + ix, ky * win.kernel[1] + kx);
        }
      }
    }
  }
}

/** One image through one layer. */
export function forwardLayer(layer: Layer, x: Float64Array): Float64Array {
  const out = new Float64Array(itemSize(layer.outShape));
  switch (layer.kind) {
    case "conv":
    case "dense":
      out.set(repeatPerChannel(layer.bias, out.length));
      transposeOrApply(layer, x, out, false);
      return out;
    case "affine": {
      const plane = x.length / layer.scale.length;
      return x.map((v, i) => layer.scale[Math.floor(i / plane)] * v + layer.offset[Math.floor(i / plane)]);
    }
    case "relu":
      return x.map((v) => (v > 0 ? v : layer.alpha * v));
    case "maxpool":
      out.fill(-Infinity);
      perChannel(layer, (cin, cout) =>
        forEachTap(layer.window, layer.inShape, layer.outShape, (o, i) => {
          out[cout + o] = Math.max(out[cout + o], x[cin + i]);
        }),
      );
      return out;
    case "avgpool":
      perChannel(layer, (cin, cout) =>
        forEachTap(layer.window, layer.inShape, layer.outShape, (o, i) => {
          out[cout + o] += x[cin + i] * layer.inverseDivisor[o];
        }),
      );
      return out;
    case "pad":
      return padOrCrop(layer, x, true);
    case "flatten":
      return Float64Array.from(x);
  }
}

/** Wᵀs for a linear layer: the shape of its input. */
export function linearTranspose(layer: LinearLayer, s: Float64Array): Float64Array {
  const out = new Float64Array(itemSize(layer.inShape));
  if (layer.kind === "affine") {
    const plane = s.length / layer.scale.length;
    return s.map((v, i) => layer.scale[Math.floor(i / plane)] * v);
  }
  if (layer.kind === "avgpool") {
    perChannel(layer, (cin, cout) =>
      forEachTap(layer.window, layer.inShape, layer.outShape, (o, i) => {
        out[cin + i] += s[cout + o] * layer.inverseDivisor[o];
      }),
    );
    return out;
  }
  transposeOrApply(layer, s, out, true);
  return out;
}

/** Conv or dense: z += W x (forward) or c += Wᵀ s (transposed). */
function transposeOrApply(
  layer: Extract<Layer, { kind: "conv" | "dense" }>,
  source: Float64Array,
  target: Float64Array,
  transposed: boolean,
): void {
  if (layer.kind === "dense") {
    const inputs = layer.inShape[0];
    for (let o = 0; o < layer.outShape[0]; o++) {
      for (let i = 0; i < inputs; i++) {
        const w = layer.weight[o * inputs + i];
        if (transposed) target[i] += w * source[o];
        else target[o] += w * source[i];
      }
    }
    return;
  }
  const [outChannels, perGroup, kh, kw] = layer.weightDims;
  const outPerGroup = outChannels / layer.group;
  const inPlane = layer.inShape[1] * layer.inShape[2];
  const outPlane = layer.outShape[1] * layer.outShape[2];
  for (let o = 0; o < outChannels; o++) {
    const firstIn = Math.floor(o / outPerGroup) * perGroup;
    for (let ci = 0; ci < perGroup; ci++) {
      const weights = layer.weight.subarray((o * perGroup + ci) * kh * kw, (o * perGroup + ci + 1) * kh * kw);
      const inBase = (firstIn + ci) * inPlane;
      forEachTap(layer.window, layer.inShape, layer.outShape, (out, inp, tap) => {
        if (transposed) target[inBase + inp] += weights[tap] * source[o * outPlane + out];
        else target[o * outPlane + out] += weights[tap] * source[inBase + inp];
      });
    }
  }
}

function repeatPerChannel(values: Float32Array, length: number): Float64Array {
  const plane = length / values.length;
  return Float64Array.from({ length }, (_, i) => values[Math.floor(i / plane)]);
}

function perChannel(layer: Layer, visit: (inBase: number, outBase: number) => void): void {
  const inPlane = layer.inShape[1] * layer.inShape[2];
  const outPlane = layer.outShape[1] * layer.outShape[2];
  for (let c = 0; c < layer.inShape[0]; c++) visit(c * inPlane, c * outPlane);
}

/** MaxPool's backward: each window's value split equally between the positions holding its maximum. */
export function maxPoolRoute(
  layer: MaxPoolLayer,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  r: Float64Array,
): Float64Array {
  const out = new Float64Array(itemSize(layer.inShape));
  perChannel(layer, (cin, cout) => {
    const ties = new Float64Array(layer.outShape[1] * layer.outShape[2]);
    forEachTap(layer.window, layer.inShape, layer.outShape, (o, i) => {
      if (x[cin + i] === y[cout + o]) ties[o]++;
    });
    forEachTap(layer.window, layer.inShape, layer.outShape, (o, i) => {
      if (x[cin + i] === y[cout + o]) out[cin + i] += r[cout + o] / ties[o];
    });
  });
  return out;
}

/** Pads with zeros (forward) or cuts the border off again (backward). */
export function padOrCrop(layer: PadLayer, x: Float64Array, forward: boolean): Float64Array {
  const [channels, h, w] = layer.inShape;
  const [, ph, pw] = layer.outShape;
  const [top, left] = layer.pads;
  const out = new Float64Array(itemSize(forward ? layer.outShape : layer.inShape));
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      for (let x0 = 0; x0 < w; x0++) {
        const inner = (c * h + y) * w + x0;
        const outer = (c * ph + y + top) * pw + x0 + left;
        if (forward) out[outer] = x[inner];
        else out[inner] = x[outer];
      }
    }
  }
  return out;
}

/** Every layer's input and output for a batch, in float64, keyed by graph tensor name. */
export function referenceForward(
  chain: LayerChain,
  input: ArrayLike<number>,
  batch: number,
): Map<string, Float64Array> {
  const tensors = new Map<string, Float64Array>();
  const inSize = itemSize(chain.input.shape);
  for (let n = 0; n < batch; n++) {
    let x: Float64Array = Float64Array.from(
      Array.prototype.slice.call(input, n * inSize, (n + 1) * inSize) as number[],
    );
    store(tensors, chain.input.name, x, n, batch);
    for (const layer of chain.layers) {
      store(tensors, layer.input, x, n, batch);
      x = forwardLayer(layer, x);
      store(tensors, layer.output, x, n, batch);
    }
  }
  return tensors;
}

function store(
  tensors: Map<string, Float64Array>,
  name: string,
  item: Float64Array,
  n: number,
  batch: number,
): void {
  let all = tensors.get(name);
  if (all === undefined) {
    all = new Float64Array(item.length * batch);
    tensors.set(name, all);
  }
  all.set(item, n * item.length);
}

/** What a backward method does for one image where the methods differ. */
export interface BackwardRules {
  /** The signal at the chain's output for image n. */
  start(n: number): Float64Array;
  /** Across a linear layer (Conv, Gemm, affine, AveragePool), from its output to its input. */
  linear(layer: LinearLayer, signal: Float64Array, n: number): Float64Array;
  /** Across a ReLU or LeakyRelu; without it the signal passes unchanged (LRP's rule). */
  relu?(layer: ActivationLayer, signal: Float64Array, n: number): Float64Array;
}

/**
 * Walks the chain from its output back to its input for each image with a method's rules. MaxPool
 * routing, Pad cropping and Flatten (row-major order kept) are the same for every method, so they
 * live here once, as `layer-backward.ts` holds them once for the graphs. Returns the signal at the
 * input, image by image, and `traces[i]`: the whole batch's signal at layer i's input (the last at
 * the output).
 */
export function walkBackward(
  chain: LayerChain,
  activations: Activations,
  batch: number,
  rules: BackwardRules,
): { inputs: Float64Array[]; traces: Float64Array[] } {
  const { layers } = chain;
  const traces = [...layers.map((l) => l.inShape), [chain.output.width]].map(
    (shape) => new Float64Array(batch * itemSize(shape)),
  );
  const inputs: Float64Array[] = [];
  for (let n = 0; n < batch; n++) {
    let signal = rules.start(n);
    traces[layers.length].set(signal, n * signal.length);
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      if (isLinear(layer)) {
        signal = rules.linear(layer, signal, n);
      } else if (layer.kind === "relu") {
        if (rules.relu !== undefined) signal = rules.relu(layer, signal, n);
      } else if (layer.kind === "maxpool") {
        const x = itemOf(activations, layer.input, layer.inShape, n);
        const y = itemOf(activations, layer.output, layer.outShape, n);
        signal = maxPoolRoute(layer, x, y, signal);
      } else if (layer.kind === "pad") {
        signal = padOrCrop(layer, signal, false);
      }
      traces[i].set(signal, n * signal.length);
    }
    inputs.push(signal);
  }
  return { inputs, traces };
}

/** Image n of a whole-batch activation. */
export function itemOf(activations: Activations, name: string, shape: ItemShape, n: number): Float64Array {
  const all = activations.get(name);
  if (all === undefined) throw new Error(`reference: activation '${name}' is missing`);
  const size = itemSize(shape);
  return Float64Array.from({ length: size }, (_, i) => all[n * size + i]);
}

/** Per-image min-max to [0, 1]; constant maps become zeros. */
export function normaliseMap(values: Float64Array): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  return values.map((v) => (range > 0 ? (v - min) / range : 0));
}
