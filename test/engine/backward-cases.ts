import { CnnSpec, LayerSpec } from "../../src/onnx/cnn-builder";

const relu: LayerSpec = { relu: true };

/** Generated models covering every layer and geometry LRP and the gradient walk back through. */
export const BACKWARD_CASES: { name: string; spec: CnnSpec }[] = [
  {
    name: "strides, asymmetric pads and dilation",
    spec: {
      channels: 2,
      height: 21,
      width: 25,
      layers: [
        { conv: { out: 4, kernel: 3, stride: 2, pads: [1, 0, 2, 1] } },
        relu,
        { conv: { out: 5, kernel: 3, dilation: 2, stride: 1 } },
        relu,
        { conv: { out: 3, kernel: [2, 4], stride: [3, 2] } },
        relu,
      ],
      head: [6, 3],
    },
  },
  {
    name: "auto_pad SAME_UPPER, SAME_LOWER and VALID",
    spec: {
      channels: 1,
      height: 17,
      width: 20,
      layers: [
        { conv: { out: 3, kernel: 4, stride: 2, autoPad: "SAME_UPPER" } },
        relu,
        { conv: { out: 3, kernel: 3, stride: 3, autoPad: "SAME_LOWER" } },
        relu,
        { conv: { out: 2, kernel: 2, stride: 1, autoPad: "VALID" } },
        relu,
      ],
      head: [2],
    },
  },
  {
    name: "max and average pooling: overlapping windows, padding, ceil mode",
    spec: {
      channels: 3,
      height: 27,
      width: 29,
      layers: [
        { conv: { out: 4, kernel: 3 } },
        relu,
        { pool: { type: "MaxPool", kernel: 3, stride: 2, pads: [1, 1, 1, 1] } },
        { conv: { out: 4, kernel: 3, pads: [1, 1, 1, 1] } },
        relu,
        { pool: { type: "AveragePool", kernel: 3, stride: 2, pads: [1, 0, 1, 1] } },
        { conv: { out: 4, kernel: 2 } },
        relu,
        { pool: { type: "MaxPool", kernel: 2, stride: 2, ceil: true } },
        { pool: { type: "AveragePool", kernel: 2, stride: 1, ceil: true } },
      ],
      head: [5, 2],
    },
  },
  {
    name: "BatchNormalization, LeakyRelu, a constant scale and an explicit Pad",
    spec: {
      channels: 3,
      height: 20,
      width: 22,
      layers: [
        { scale: 0.5 },
        { conv: { out: 6, kernel: 3, stride: 2 } },
        { batchNorm: true },
        relu,
        { pad: [1, 2, 0, 1] },
        { conv: { out: 6, kernel: 3 } },
        { batchNorm: true },
        { leakyRelu: 0.1 },
        { batchNorm: true },
        { pool: { type: "MaxPool", kernel: 2 } },
      ],
      head: [4, 2],
    },
  },
];
