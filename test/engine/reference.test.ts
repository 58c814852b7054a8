import * as assert from "node:assert/strict";
import { Engine } from "../../src/engine/engine";
import { addSaliency } from "../../src/engine/method-graph";
import { referenceVisualBackProp } from "../../src/engine/vbp-reference";
import { parseOnnxModel } from "../../src/onnx/onnx-model";
import { buildCnn, CnnSpec, LayerSpec, mulberry32 } from "../../src/onnx/cnn-builder";
import { maxAbsDiff } from "../support/arrays";

const relu: LayerSpec = { relu: true };

/** 8 x 68 x 118 values per image in the first map: averaged by Reshape, MatMul and Reshape. */
const LARGE_FIRST_MAP: Omit<CnnSpec, "head"> = {
  channels: 3,
  height: 70,
  width: 120,
  layers: [{ conv: { out: 8, kernel: 3 } }, relu, { conv: { out: 6, kernel: 5, stride: 2 } }, relu],
};

/** Generated models: every geometry the engine must scale back exactly. */
const CASES: { name: string; spec: Omit<CnnSpec, "head"> }[] = [];
for (let kernel = 1; kernel <= 7; kernel++) {
  for (let stride = 1; stride <= 3; stride++) {
    CASES.push({
      name: `kernel ${kernel} stride ${stride}`,
      spec: {
        channels: 2,
        height: 23,
        width: 29,
        layers: [{ conv: { out: 4, kernel, stride } }, relu, { conv: { out: 5, kernel: 3, stride } }, relu],
      },
    });
  }
}
CASES.push(
  {
    name: "explicit asymmetric paddings",
    spec: {
      channels: 3,
      height: 20,
      width: 26,
      layers: [
        { conv: { out: 4, kernel: 3, stride: 2, pads: [1, 0, 2, 1] } },
        relu,
        { conv: { out: 4, kernel: 5, stride: 1, pads: [2, 2, 2, 2] } },
        relu,
      ],
    },
  },
  {
    name: "auto_pad SAME_UPPER, SAME_LOWER and VALID",
    spec: {
      channels: 1,
      height: 21,
      width: 30,
      layers: [
        { conv: { out: 3, kernel: 4, stride: 2, autoPad: "SAME_UPPER" } },
        relu,
        { conv: { out: 3, kernel: 3, stride: 3, autoPad: "SAME_LOWER" } },
        relu,
        { conv: { out: 3, kernel: 2, stride: 1, autoPad: "VALID" } },
        relu,
      ],
    },
  },
  {
    name: "dilation",
    spec: {
      channels: 2,
      height: 30,
      width: 31,
      layers: [
        { conv: { out: 4, kernel: 3, dilation: 2, stride: 1 } },
        relu,
        { conv: { out: 4, kernel: 3, dilation: 3, stride: 2 } },
        relu,
      ],
    },
  },
  {
    name: "max and average pooling, ceil mode, padding",
    spec: {
      channels: 3,
      height: 33,
      width: 35,
      layers: [
        { conv: { out: 4, kernel: 3 } },
        relu,
        { pool: { type: "MaxPool", kernel: 2 } },
        { conv: { out: 4, kernel: 3 } },
        relu,
        { pool: { type: "AveragePool", kernel: 3, stride: 2, pads: [1, 1, 1, 1] } },
        { conv: { out: 4, kernel: 2 } },
        relu,
        { pool: { type: "MaxPool", kernel: 2, stride: 2, ceil: true } },
        { conv: { out: 4, kernel: 1 } },
        relu,
      ],
    },
  },
  {
    name: "BatchNormalization, LeakyRelu, a constant scale and an explicit Pad",
    spec: {
      channels: 3,
      height: 24,
      width: 24,
      layers: [
        { scale: 0.5 },
        { conv: { out: 6, kernel: 3, stride: 2 } },
        { batchNorm: true },
        relu,
        { pad: [1, 2, 0, 1] },
        { conv: { out: 6, kernel: 3 } },
        { batchNorm: true },
        { leakyRelu: 0.1 },
      ],
    },
  },
  { name: "a first map large enough for the MatMul channel mean", spec: LARGE_FIRST_MAP },
);

describe("in-graph VisualBackProp against the TypeScript reference on generated models", () => {
  it("averages large maps with a MatMul and small ones with ReduceMean", () => {
    const model = parseOnnxModel(
      buildCnn({ ...LARGE_FIRST_MAP, head: [3], seed: 5, opsetVersion: 13 }),
      "large map model",
    );
    const { graph } = addSaliency(model, { method: "vbp" });
    const added = parseOnnxModel(graph.bytes, "rewritten").graph.nodes.filter((n) =>
      n.name.startsWith("visualbackprop/avg"),
    );
    assert.deepEqual(
      added.map((n) => n.opType),
      ["Reshape", "MatMul", "Reshape", "ReduceMean"],
    );
  });

  for (const { name, spec } of CASES) {
    for (const batch of [1, 3]) {
      it(`${name}, batch ${batch}`, async () => {
        const bytes = buildCnn({
          ...spec,
          head: [3],
          seed: name.length * 31 + batch,
          opsetVersion: batch === 3 ? 18 : 13,
        });
        const engine = await Engine.create({
          modelBytes: bytes,
          provider: "cpu",
          featureMaps: true,
        });
        try {
          const random = mulberry32(7 + batch);
          const input = Float32Array.from({ length: batch * spec.channels * spec.height * spec.width }, () =>
            random(),
          );
          const result = await engine.run(input, batch, { layerMasks: true });
          const maps = engine.featureMapOutputs.map((n) => result.outputs[n]);
          const reference = referenceVisualBackProp(maps, engine.plan);
          assert.ok(maxAbsDiff(result.masks, reference.masks) < 1e-4, "mask differs from the reference");
          const layers = result.layerMasks ?? [];
          assert.equal(layers.length, engine.plan.featureMaps.length);
          layers.forEach((layer, i) =>
            assert.ok(maxAbsDiff(layer.data, reference.layers[i]) < 1e-4, `layer ${i}`),
          );
          for (let i = 0; i < result.masks.length; i++) {
            assert.ok(result.masks[i] >= 0 && result.masks[i] <= 1, "mask leaves [0, 1]");
          }
        } finally {
          await engine.release();
        }
      });
    }
  }
});
