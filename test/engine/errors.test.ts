import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Engine } from "../../src/engine/engine";
import { openSession, providerChain, readableOrtMessage } from "../../src/engine/providers";
import { buildPilotNet } from "../../src/onnx/cnn-builder";
import { OnnxDataType, parseOnnxModel } from "../../src/onnx/onnx-model";
import { ProtoWriter, readFields } from "../../src/onnx/protobuf";
import { attr, buildOnnxModel, NodeSpec, TensorSpec } from "../../src/onnx/onnx-writer";
import { tempDir } from "../support/paths";
import { InferenceSession, listSupportedBackends } from "onnxruntime-node";

const convWeights = (name: string, out: number, inp: number): TensorSpec => ({
  name,
  dims: [out, inp, 3, 3],
  data: new Float32Array(out * inp * 9).fill(0.1),
});
const node = (
  opType: string,
  inputs: string[],
  output: string,
  attributes?: NodeSpec["attributes"],
): NodeSpec => ({
  name: `${opType}:${output}`,
  opType,
  inputs,
  outputs: [output],
  attributes,
});
const conv = (input: string, w: string, output: string): NodeSpec =>
  node("Conv", [input, w], output, { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) });

function model(
  nodes: NodeSpec[],
  initializers: TensorSpec[],
  inputShape: (number | string)[],
  output: string,
) {
  return buildOnnxModel({
    opsetVersion: 13,
    inputs: [{ name: "input", elemType: OnnxDataType.Float, shape: inputShape }],
    nodes,
    initializers,
    outputs: [{ name: output, elemType: OnnxDataType.Float, shape: [] }],
  });
}

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(Engine.create({ modelBytes: bytes, provider: "cpu" }), pattern);
}

describe("engine errors", () => {
  it("names a missing model file", async () => {
    await assert.rejects(
      Engine.create({ modelPath: "/nonexistent/model.onnx" }),
      /model '\/nonexistent\/model.onnx' does not exist/,
    );
  });

  it("names a corrupt model file", async () => {
    const { dir, remove } = tempDir();
    try {
      const file = path.join(dir, "broken.onnx");
      fs.writeFileSync(file, "this is not a protobuf\n");
      await assert.rejects(
        Engine.create({ modelPath: file, provider: "cpu" }),
        /broken\.onnx.* is not a valid ONNX file/,
      );
      // A real model cut in half is corrupt too.
      fs.writeFileSync(file, buildPilotNet().subarray(0, 5000));
      await assert.rejects(Engine.create({ modelPath: file, provider: "cpu" }), /is not a valid ONNX file/);
    } finally {
      remove();
    }
  });

  it("refuses a model without convolutions", async () => {
    const bytes = model(
      [node("Relu", ["input"], "r"), node("Flatten", ["r"], "output")],
      [],
      ["N", 1, 4, 4],
      "output",
    );
    await rejects(bytes, /has no convolution on the path from input 'input'/);
  });

  it("refuses a residual connection and names the branching tensor", async () => {
    const bytes = model(
      [
        conv("input", "w1", "c1"),
        node("Relu", ["c1"], "r1"),
        conv("r1", "w2", "c2"),
        node("Relu", ["c2"], "r2"),
        node("Add", ["r1", "r2"], "sum"),
        conv("sum", "w3", "c3"),
        node("Relu", ["c3"], "output"),
      ],
      [convWeights("w1", 2, 1), convWeights("w2", 2, 2), convWeights("w3", 2, 2)],
      ["N", 1, 8, 8],
      "output",
    );
    await rejects(bytes, /tensor 'r1' feeds 2 nodes .*residual connections are not supported/);
  });

  it("refuses a branch joined from a second input", async () => {
    const bytes = buildOnnxModel({
      opsetVersion: 13,
      inputs: [
        { name: "input", elemType: OnnxDataType.Float, shape: ["N", 1, 8, 8] },
        { name: "other", elemType: OnnxDataType.Float, shape: ["N", 2, 8, 8] },
      ],
      nodes: [conv("input", "w1", "c1"), node("Relu", ["c1"], "output")],
      initializers: [convWeights("w1", 2, 1)],
      outputs: [{ name: "output", elemType: OnnxDataType.Float, shape: [] }],
    });
    await rejects(bytes, /the model has 2 inputs \('input', 'other'\)/);
  });

  it("refuses a model whose weights are kept in an external file, naming the initializer and the file", async () => {
    // ONNX Runtime gets the model's bytes, not a folder: external data cannot load. Appends an
    // initializer with data_location EXTERNAL (14) and external_data location (13) to the graph.
    const out = new ProtoWriter();
    for (const field of readFields(parseOnnxModel(buildPilotNet()).bytes)) {
      if (field.fieldNumber !== 7) {
        out.raw(field.raw);
        continue;
      }
      const graph = new ProtoWriter().raw(field.bytes);
      graph.message(5, (t) => {
        t.packedInts(1, [4]).int(2, OnnxDataType.Float).string(8, "outside");
        t.message(13, (e) => e.string(1, "location").string(2, "weights.bin")).int(14, 1);
      });
      out.bytes(7, graph.finish());
    }
    await rejects(
      out.finish(),
      /initializer 'outside' keeps its data in an external file \('weights\.bin'\)/,
    );
  });

  it("refuses a non-4-D input and a dynamic image size", async () => {
    const flat = model([node("Relu", ["input"], "output")], [], ["N", 16], "output");
    await rejects(flat, /input 'input' has 2 dimensions; expected a 4-D image tensor \(N, C, H, W\)/);
    const dynamic = model(
      [conv("input", "w1", "c1"), node("Relu", ["c1"], "output")],
      [convWeights("w1", 2, 1)],
      ["N", 1, "H", "W"],
      "output",
    );
    await rejects(dynamic, /channels, height and width must be fixed sizes/);
  });

  it("refuses an unsupported layer between convolutions and names it", async () => {
    const bytes = model(
      [
        conv("input", "w1", "c1"),
        node("Relu", ["c1"], "r1"),
        node("LRN", ["r1"], "n1", { size: attr.int(3) }),
        conv("n1", "w2", "c2"),
        node("Relu", ["c2"], "output"),
      ],
      [convWeights("w1", 2, 1), convWeights("w2", 2, 2)],
      ["N", 1, 8, 8],
      "output",
    );
    await rejects(bytes, /node 'LRN:n1' \(LRN\) stands between convolutions/);
  });

  it("names the expected shape when the input tensor is wrong", async () => {
    const engine = await Engine.create({ modelBytes: buildPilotNet(), provider: "cpu" });
    try {
      await assert.rejects(
        engine.run(new Float32Array(100), 1),
        /expected shape \(1, 3, 66, 200\) = 39600 float32 values, got 100/,
      );
      await assert.rejects(engine.run(new Float32Array(39600), 0), /batch must be a positive integer/);
    } finally {
      await engine.release();
    }
  });
});

describe("execution providers", () => {
  it("orders the fallback chains with CPU last", () => {
    assert.deepEqual(providerChain("auto"), ["cuda", "cpu"]);
    assert.deepEqual(providerChain("tensorrt"), ["tensorrt", "cuda", "cpu"]);
    assert.deepEqual(providerChain("webgpu"), ["webgpu", "cpu"]);
    assert.deepEqual(providerChain("cpu"), ["cpu"]);
    assert.throws(
      () => providerChain("tpu" as "cpu"),
      /expected one of cpu, cuda, tensorrt, webgpu, auto; got "tpu"/,
    );
  });

  it("falls back with one log line per provider that failed", async () => {
    const lines: string[] = [];
    const fakeSession = {} as InferenceSession;
    const opened = await openSession(
      async ([provider]) => {
        if (provider !== "cpu") throw new Error(`${provider} libraries not found\nsecond line`);
        return fakeSession;
      },
      "tensorrt",
      (line) => lines.push(line),
      () => undefined,
    );
    assert.equal(opened.provider, "cpu");
    assert.equal(opened.session, fakeSession);
    assert.deepEqual(lines, [
      "visualbackprop: execution provider 'tensorrt' failed to load (tensorrt libraries not found); falling back to 'cuda'",
      "visualbackprop: execution provider 'cuda' failed to load (cuda libraries not found); falling back to 'cpu'",
    ]);
  });

  it("auto skips a provider whose library is not installed without a warning; --verbose says why", async () => {
    const lines: string[] = [];
    const info: string[] = [];
    const tried: string[] = [];
    const open = (verbose?: (line: string) => void) =>
      openSession(
        async ([provider]) => {
          tried.push(provider);
          return {} as InferenceSession;
        },
        "auto",
        (line) => lines.push(line),
        (provider) => (provider === "cuda" ? "libonnxruntime_providers_cuda.so" : undefined),
        verbose,
      );
    assert.equal((await open()).provider, "cpu");
    assert.deepEqual(tried, ["cpu"]);
    assert.deepEqual(lines, [], "no warning for what auto does not find");
    assert.equal((await open((line) => info.push(line))).provider, "cpu");
    assert.deepEqual(lines, []);
    assert.deepEqual(info, [
      "visualbackprop: provider auto: using 'cpu' (execution provider 'cuda' is not installed (libonnxruntime_providers_cuda.so is missing))",
    ]);
  });

  it("turns ONNX Runtime's C++ location and failed condition into the sentence a person needs", () => {
    const dawn =
      "/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n";
    assert.equal(readableOrtMessage(dawn), "Failed to get a WebGPU adapter: No supported adapters");
    assert.equal(
      readableOrtMessage("Load model from x failed: Protobuf parsing failed."),
      "Load model from x failed: Protobuf parsing failed.",
    );
  });

  it("a provider asked for by name that is not installed still warns once", async () => {
    const lines: string[] = [];
    const opened = await openSession(
      async () => ({}) as InferenceSession,
      "cuda",
      (line) => lines.push(line),
      (provider) => (provider === "cuda" ? "libonnxruntime_providers_cuda.so" : undefined),
    );
    assert.equal(opened.provider, "cpu");
    assert.deepEqual(lines, [
      "visualbackprop: execution provider 'cuda' is not installed (libonnxruntime_providers_cuda.so is missing); falling back to 'cpu'",
    ]);
  });

  it("runs on CPU when CUDA is missing here, and says so once", async function () {
    const cuda = listSupportedBackends().find((b) => b.name === "cuda");
    if (cuda?.bundled) this.skip(); // a machine with the CUDA provider installed takes the GPU path
    const lines: string[] = [];
    const engine = await Engine.create({
      modelBytes: buildPilotNet(),
      provider: "cuda",
      log: (l) => lines.push(l),
    });
    try {
      assert.equal(engine.provider, "cpu");
      assert.equal(lines.length, 1);
      assert.match(
        lines[0],
        /execution provider 'cuda' (is not installed|failed to load).*; falling back to 'cpu'/,
      );
    } finally {
      await engine.release();
    }
  });
});
