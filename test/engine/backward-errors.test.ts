import * as assert from "node:assert/strict";
import { Engine } from "../../src/engine/engine";
import { analyseChain } from "../../src/engine/layer-chain";
import { missingProviderLibrary } from "../../src/engine/providers";
import { OnnxDataType, parseOnnxModel } from "../../src/onnx/onnx-model";
import { attr, buildOnnxModel } from "../../src/onnx/onnx-writer";
import { buildCnn } from "../../src/onnx/cnn-builder";
import { conv, flatten, gemm, relu, sequential } from "./tiny-models";

const small = () =>
  buildCnn({
    channels: 1,
    height: 8,
    width: 8,
    layers: [{ conv: { out: 2, kernel: 3 } }, { relu: true }],
    head: [3],
  });

describe("LRP and gradient: errors name the node and the reason", () => {
  it("refuses an unsupported operation", () => {
    const bytes = sequential(
      [1, 4, 4],
      [conv(1, 1, 1, [1]), relu, flatten, gemm(1, 16, new Array<number>(16).fill(1)), { op: "Tanh" }],
      1,
    );
    assert.throws(
      () => analyseChain(parseOnnxModel(bytes)),
      /node 'Tanh_4' \(Tanh\): is not supported by LRP and the input gradient; supported: Conv,/,
    );
  });

  it("refuses branches", () => {
    const bytes = buildOnnxModel({
      opsetVersion: 13,
      inputs: [{ name: "input", elemType: OnnxDataType.Float, shape: ["N", 1, 2, 2] }],
      nodes: [
        { name: "r", opType: "Relu", inputs: ["input"], outputs: ["a"] },
        { name: "skip", opType: "Add", inputs: ["a", "input"], outputs: ["b"] },
        {
          name: "flat",
          opType: "Flatten",
          inputs: ["b"],
          outputs: ["output"],
          attributes: { axis: attr.int(1) },
        },
      ],
      initializers: [],
      outputs: [{ name: "output", elemType: OnnxDataType.Float, shape: ["N", 4] }],
    });
    assert.throws(
      () => analyseChain(parseOnnxModel(bytes)),
      /tensor 'input' feeds 2 nodes \('r', 'skip'\); .*no branches/,
    );
  });

  it("refuses a spatially varying constant and an output index out of range", () => {
    const bytes = sequential(
      [1, 2, 2],
      [{ op: "Mul", constants: [{ dims: [1, 1, 2, 2], data: [1, 2, 3, 4] }] }, flatten],
      4,
    );
    assert.throws(
      () => analyseChain(parseOnnxModel(bytes)),
      /node 'Mul_0' \(Mul\): constant 'c0_0' of shape \[1, 1, 2, 2\] is not one value per channel/,
    );
    assert.throws(
      () => analyseChain(parseOnnxModel(small()), 3),
      /output index 3 is out of range: output 'output' has 3 values/,
    );
  });

  it("the engine rejects an unknown method, layer masks for LRP, and a bad epsilon", async () => {
    await assert.rejects(
      Engine.create({ modelBytes: small(), provider: "cpu", method: "saliency" as "lrp" }),
      /method must be one of vbp, lrp, gradient; got "saliency"/,
    );
    await assert.rejects(
      Engine.create({ modelBytes: small(), provider: "cpu", method: "lrp", epsilon: 0 }),
      /epsilon must be a positive number/,
    );
    const engine = await Engine.create({ modelBytes: small(), provider: "cpu", method: "lrp" });
    try {
      assert.equal(engine.method, "lrp");
      await assert.rejects(
        engine.run(new Float32Array(64), 1, { layerMasks: true }),
        /layer masks exist for method 'vbp' only; this engine computes 'lrp'/,
      );
    } finally {
      await engine.release();
    }
  });

  it("LRP at conv1 needs a Conv right after the input normalisation, and says which layer is there", async () => {
    const pooledFirst = buildCnn({
      channels: 1,
      height: 8,
      width: 8,
      layers: [
        { scale: 2 },
        { pool: { type: "MaxPool", kernel: 2 } },
        { conv: { out: 2, kernel: 3 } },
        { relu: true },
      ],
      head: [1],
    });
    await assert.rejects(
      Engine.create({ modelBytes: pooledFirst, provider: "cpu", method: "lrp", lrpAt: "conv1" }),
      /LRP at conv1 needs a Conv right after the input normalisation; layer 1 is a maxpool/,
    );
  });

  it("every method keeps the model's outputs unchanged, and vbp stays the default", async () => {
    const bytes = small();
    const input = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i));
    const outputs: Float32Array[] = [];
    for (const method of [undefined, "vbp", "lrp", "gradient"] as const) {
      const engine = await Engine.create({ modelBytes: bytes, provider: "cpu", method });
      try {
        assert.equal(engine.method, method ?? "vbp");
        const result = await engine.run(input, 2);
        assert.equal(result.masks.length, 2 * 64);
        outputs.push(result.outputs.output.data);
        assert.deepEqual(
          Array.from(result.outputs.output.data),
          Array.from((await engine.forward(input, 2)).outputs.output.data),
        );
      } finally {
        await engine.release();
      }
    }
    outputs.forEach((o) => assert.deepEqual(Array.from(o), Array.from(outputs[0])));
  });

  it("falls back to the CPU with one log line where the CUDA provider is not installed", async function () {
    if (missingProviderLibrary("cuda") === undefined) this.skip();
    const lines: string[] = [];
    const engine = await Engine.create({
      modelBytes: small(),
      provider: "cuda",
      method: "lrp",
      log: (l) => lines.push(l),
    });
    try {
      assert.equal(engine.provider, "cpu");
      assert.deepEqual(lines, [
        "visualbackprop: execution provider 'cuda' is not installed (libonnxruntime_providers_cuda.so is missing); falling back to 'cpu'",
      ]);
    } finally {
      await engine.release();
    }
  });
});
