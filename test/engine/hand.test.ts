import * as assert from "node:assert/strict";
import { Engine } from "../../src/engine/engine";
import { OnnxDataType } from "../../src/onnx/onnx-model";
import { attr, buildOnnxModel, NodeSpec, TensorSpec } from "../../src/onnx/onnx-writer";

/**
 * input (1x1x5x5) -> Conv 2x2 stride 2, ones, bias 0 -> Relu (2x2 map) -> Conv 1x1 with two output
 * channels of weights 1 and 3 -> Relu (2x2 map, channel mean = 2 * map) -> Flatten -> Gemm.
 */
function tinyModel(bias = 0, size = 5): Uint8Array {
  const init: TensorSpec[] = [
    { name: "w1", dims: [1, 1, 2, 2], data: new Float32Array(4).fill(1) },
    { name: "b1", dims: [1], data: Float32Array.of(bias) },
    { name: "w2", dims: [2, 1, 1, 1], data: Float32Array.of(1, 3) },
    { name: "b2", dims: [2], data: Float32Array.of(0, 0) },
    { name: "fw", dims: [1, 8], data: new Float32Array(8).fill(0.5) },
    { name: "fb", dims: [1], data: Float32Array.of(0) },
  ];
  const conv = (name: string, inputs: string[], k: number, s: number): NodeSpec => ({
    name,
    opType: "Conv",
    inputs,
    outputs: [`${name}_out`],
    attributes: { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]) },
  });
  const nodes: NodeSpec[] = [
    conv("c1", ["input", "w1", "b1"], 2, 2),
    { name: "r1", opType: "Relu", inputs: ["c1_out"], outputs: ["r1_out"] },
    conv("c2", ["r1_out", "w2", "b2"], 1, 1),
    { name: "r2", opType: "Relu", inputs: ["c2_out"], outputs: ["r2_out"] },
    { name: "flat", opType: "Flatten", inputs: ["r2_out"], outputs: ["flat_out"] },
    {
      name: "fc",
      opType: "Gemm",
      inputs: ["flat_out", "fw", "fb"],
      outputs: ["output"],
      attributes: { transB: attr.int(1) },
    },
  ];
  return buildOnnxModel({
    opsetVersion: 13,
    inputs: [{ name: "input", elemType: OnnxDataType.Float, shape: ["N", 1, size, size] }],
    nodes,
    initializers: init,
    outputs: [{ name: "output", elemType: OnnxDataType.Float, shape: ["N", 1] }],
  });
}

describe("VisualBackProp by hand", () => {
  it("matches a mask computed on paper", async () => {
    // prettier-ignore
    const input = Float32Array.of(
      1, 0, 0, 0, 9,
      0, 0, 0, 0, 9,
      0, 0, 2, 1, 9,
      0, 0, 1, 0, 9,
      9, 9, 9, 9, 9,
    );
    // Map 1 (2x2 block sums): [[1, 0], [0, 4]]. Map 2 mean = 2 * map 1 = [[2, 0], [0, 8]].
    // Deepest first: 2 * map1 (1x1 conv scales back to itself), times map 1 = [[2, 0], [0, 32]].
    // Scaled up through the 2x2 stride-2 conv to 4x4, plus one zero row and column at the bottom
    // and right (the conv never read row 4 or column 4); normalised by 32.
    const s = 2 / 32;
    // prettier-ignore
    const expected = [
      s, s, 0, 0, 0,
      s, s, 0, 0, 0,
      0, 0, 1, 1, 0,
      0, 0, 1, 1, 0,
      0, 0, 0, 0, 0,
    ];
    const engine = await Engine.create({ modelBytes: tinyModel(), provider: "cpu" });
    try {
      const result = await engine.run(input, 1, { layerMasks: true });
      assert.deepEqual([result.height, result.width], [5, 5]);
      result.masks.forEach((v, i) =>
        assert.ok(Math.abs(v - expected[i]) < 1e-6, `pixel ${i}: ${v} != ${expected[i]}`),
      );
      // Output: 0.5 * sum of both channels = 0.5 * (1 + 4) * (1 + 3) = 10.
      assert.ok(Math.abs(result.outputs.output.data[0] - 10) < 1e-5);
      const layers = result.layerMasks ?? [];
      assert.deepEqual(
        layers.map((l) => [l.height, l.width, Array.from(l.data)]),
        [
          [2, 2, [0.25, 0, 0, 1]],
          [2, 2, [2 / 32, 0, 0, 1]],
        ],
      );
    } finally {
      await engine.release();
    }
  });

  it("turns a constant mask into zeros, never NaN", async () => {
    // A bias of 1 and an all-zero 4x4 input (which the 2x2 stride-2 conv covers exactly) make
    // every feature map, and so the mask, constant.
    const engine = await Engine.create({ modelBytes: tinyModel(1, 4), provider: "cpu" });
    try {
      const result = await engine.run(new Float32Array(2 * 16), 2);
      assert.equal(result.masks.length, 32);
      assert.ok(result.masks.every((v) => v === 0));
      // All-zero feature maps (a negative bias kills every unit) are constant too.
      const dead = await Engine.create({ modelBytes: tinyModel(-5), provider: "cpu" });
      const zeros = await dead.run(new Float32Array(25), 1);
      assert.ok(zeros.masks.every((v) => v === 0));
      await dead.release();
    } finally {
      await engine.release();
    }
  });
});
