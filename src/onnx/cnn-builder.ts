/**
 * Builds plain CNNs as ONNX (PilotNet's shape and smaller): test, bench and evaluation fixtures.
 * Not used by the node or the bag tool at run time.
 */
import { OnnxDataType } from "./onnx-model";
import { attr, buildOnnxModel, NodeSpec, TensorSpec } from "./onnx-writer";

/** One layer of a plain CNN, as the tests and the bench describe the models they build. */
export type LayerSpec =
  | {
      readonly conv: {
        readonly out: number;
        readonly kernel: number | readonly [number, number];
        readonly stride?: number | readonly [number, number];
        readonly pads?: readonly [number, number, number, number];
        readonly dilation?: number;
        readonly autoPad?: "SAME_UPPER" | "SAME_LOWER" | "VALID";
      };
    }
  | { readonly relu: true }
  | { readonly leakyRelu: number }
  | { readonly batchNorm: true }
  | {
      readonly pool: {
        readonly type: "MaxPool" | "AveragePool";
        readonly kernel: number;
        readonly stride?: number;
        readonly pads?: readonly [number, number, number, number];
        readonly ceil?: boolean;
      };
    }
  | { readonly pad: readonly [number, number, number, number] }
  | { readonly scale: number };

export interface CnnSpec {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly layers: readonly LayerSpec[];
  /** Fully connected sizes after flattening; the last one is the output width. */
  readonly head: readonly number[];
  readonly seed?: number;
  readonly opsetVersion?: number;
  /** Output name, `output` by default. */
  readonly outputName?: string;
}

/** Small deterministic PRNG (mulberry32): the same seed builds the same weights everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const two = (v: number | readonly [number, number]): [number, number] =>
  typeof v === "number" ? [v, v] : [v[0], v[1]];

/**
 * Builds an ONNX CNN with random weights: an input `input` of shape (batch, C, H, W), the layers,
 * then Flatten and fully connected layers. Shapes are tracked so the head's sizes are right.
 */
export function buildCnn(spec: CnnSpec): Uint8Array {
  const random = mulberry32(spec.seed ?? 1);
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let channels = spec.channels;
  let [h, w] = [spec.height, spec.width];
  let tensor = "input";
  let index = 0;
  const weights = (name: string, dims: number[], fanIn: number, shift = 0): string => {
    const count = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    const bound = Math.sqrt(6 / fanIn);
    for (let i = 0; i < count; i++) data[i] = (random() * 2 - 1) * bound + shift;
    initializers.push({ name, dims, data });
    return name;
  };
  const add = (opType: string, inputs: string[], attributes?: NodeSpec["attributes"]): void => {
    const output = `t${index}`;
    nodes.push({ name: `${opType}_${index}`, opType, inputs, outputs: [output], attributes });
    tensor = output;
    index++;
  };
  for (const layer of spec.layers) {
    if ("conv" in layer) {
      const c = layer.conv;
      const [kh, kw] = two(c.kernel);
      const [sh, sw] = two(c.stride ?? 1);
      const d = c.dilation ?? 1;
      const pads = c.pads ?? [0, 0, 0, 0];
      const wName = weights(`w${index}`, [c.out, channels, kh, kw], channels * kh * kw);
      const bName = weights(`b${index}`, [c.out], 1, 0.3);
      const attributes: NodeSpec["attributes"] = {
        kernel_shape: attr.ints([kh, kw]),
        strides: attr.ints([sh, sw]),
        dilations: attr.ints([d, d]),
        ...(c.autoPad ? { auto_pad: attr.string(c.autoPad) } : { pads: attr.ints(pads) }),
      };
      add("Conv", [tensor, wName, bName], attributes);
      if (c.autoPad === "SAME_UPPER" || c.autoPad === "SAME_LOWER") {
        [h, w] = [Math.ceil(h / sh), Math.ceil(w / sw)];
      } else {
        const p = c.autoPad === "VALID" ? [0, 0, 0, 0] : pads;
        h = Math.floor((h + p[0] + p[2] - d * (kh - 1) - 1) / sh) + 1;
        w = Math.floor((w + p[1] + p[3] - d * (kw - 1) - 1) / sw) + 1;
      }
      channels = c.out;
    } else if ("relu" in layer) {
      add("Relu", [tensor]);
    } else if ("leakyRelu" in layer) {
      add("LeakyRelu", [tensor], { alpha: attr.float(layer.leakyRelu) });
    } else if ("batchNorm" in layer) {
      const names = ["scale", "bias", "mean", "var"].map((kind) => {
        const data = Float32Array.from({ length: channels }, () =>
          kind === "var" ? 0.5 + random() : kind === "scale" ? 0.5 + random() : random() - 0.5,
        );
        const name = `bn${index}_${kind}`;
        initializers.push({ name, dims: [channels], data });
        return name;
      });
      add("BatchNormalization", [tensor, ...names], { epsilon: attr.float(1e-5) });
    } else if ("pool" in layer) {
      const p = layer.pool;
      const s = p.stride ?? p.kernel;
      const pads = p.pads ?? [0, 0, 0, 0];
      add(p.type, [tensor], {
        kernel_shape: attr.ints([p.kernel, p.kernel]),
        strides: attr.ints([s, s]),
        pads: attr.ints(pads),
        ceil_mode: attr.int(p.ceil ? 1 : 0),
      });
      const round = p.ceil ? Math.ceil : Math.floor;
      h = round((h + pads[0] + pads[2] - p.kernel) / s) + 1;
      w = round((w + pads[1] + pads[3] - p.kernel) / s) + 1;
    } else if ("pad" in layer) {
      const [t, l, b, r] = layer.pad;
      const name = `pads${index}`;
      initializers.push({ name, dims: [8], data: BigInt64Array.from([0, 0, t, l, 0, 0, b, r].map(BigInt)) });
      add("Pad", [tensor, name], { mode: attr.string("constant") });
      h += t + b;
      w += l + r;
    } else {
      const name = `scale${index}`;
      initializers.push({ name, dims: [], data: Float32Array.of(layer.scale) });
      add("Mul", [tensor, name]);
    }
  }
  add("Flatten", [tensor], { axis: attr.int(1) });
  let features = channels * h * w;
  spec.head.forEach((size, i) => {
    const wName = weights(`fc${index}_w`, [size, features], features);
    const bName = weights(`fc${index}_b`, [size], 1);
    add("Gemm", [tensor, wName, bName], { transB: attr.int(1) });
    if (i + 1 < spec.head.length) add("Relu", [tensor]);
    features = size;
  });
  const outputName = spec.outputName ?? "output";
  // Rename the last tensor to the output name.
  const last = nodes[nodes.length - 1];
  nodes[nodes.length - 1] = { ...last, outputs: [outputName] };
  return buildOnnxModel({
    opsetVersion: spec.opsetVersion ?? 17,
    inputs: [
      {
        name: "input",
        elemType: OnnxDataType.Float,
        shape: ["batch", spec.channels, spec.height, spec.width],
      },
    ],
    nodes,
    initializers,
    outputs: [{ name: outputName, elemType: OnnxDataType.Float, shape: ["batch", features] }],
  });
}

/** NVIDIA PilotNet's layout (66x200x3 in, five convolutions, fully connected 100/50/10/1). */
export const PILOTNET_LAYERS: readonly LayerSpec[] = [
  { conv: { out: 24, kernel: 5, stride: 2 } },
  { relu: true },
  { conv: { out: 36, kernel: 5, stride: 2 } },
  { relu: true },
  { conv: { out: 48, kernel: 5, stride: 2 } },
  { relu: true },
  { conv: { out: 64, kernel: 3 } },
  { relu: true },
  { conv: { out: 64, kernel: 3 } },
  { relu: true },
];

export function buildPilotNet(seed = 1): Uint8Array {
  return buildCnn({
    channels: 3,
    height: 66,
    width: 200,
    layers: PILOTNET_LAYERS,
    head: [100, 50, 10, 1],
    seed,
  });
}
