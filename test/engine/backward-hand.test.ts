import * as assert from "node:assert/strict";
import { Engine } from "../../src/engine/engine";
import { addInputGradient } from "../../src/engine/gradient-graph";
import { referenceForward } from "../../src/engine/chain-reference";
import { parseOnnxModel } from "../../src/onnx/onnx-model";
import { chainOf } from "./backward-helpers";
import { conv, flatten, gemm, pool, relu, runGraph, sequential } from "./tiny-models";

async function maps(bytes: Uint8Array, input: Float32Array): Promise<{ lrp: number[]; gradient: number[] }> {
  const result: Record<string, number[]> = {};
  for (const method of ["lrp", "gradient"] as const) {
    const engine = await Engine.create({ modelBytes: bytes, provider: "cpu", method, epsilon: 1e-9 });
    result[method] = Array.from((await engine.run(input, 1)).masks);
    await engine.release();
  }
  return { lrp: result.lrp, gradient: result.gradient };
}

function assertClose(actual: readonly number[], expected: readonly number[], what: string): void {
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) < 1e-6, `${what} pixel ${i}: ${v} != ${expected[i]}`),
  );
}

describe("LRP and the input gradient by hand", () => {
  it("a 1x1 convolution with one dead channel and a dense head", async () => {
    // Channel 0 copies x, channel 1 is -x and dies in the ReLU; y = 0.5 x0 + 1 x1 + 0 x2 + 2 x3 = 10.5.
    const bytes = sequential(
      [1, 2, 2],
      [conv(2, 1, 1, [1, -1]), relu, flatten, gemm(1, 8, [0.5, 1, 0, 2, 9, 9, 9, 9])],
      1,
    );
    const { lrp, gradient } = await maps(bytes, Float32Array.of(1, 2, 3, 4));
    // LRP: R = x * w (the bias is 0) = [0.5, 2, 0, 8], normalised by 8.
    assertClose(lrp, [1 / 16, 1 / 4, 0, 1], "lrp");
    // Gradient: w where channel 0 is active = [0.5, 1, 0, 2], normalised by 2.
    assertClose(gradient, [0.25, 0.5, 0, 1], "gradient");
  });

  it("overlapping max pooling with ties shares each window between its maxima", async () => {
    // 2x2 windows at stride 1 over a 3x3 input: every window's maximum is 5; the first two windows
    // tie between (0,1) and (1,1). Pool output [5, 5, 5, 5], y = 5 * (1 + 2 + 3 + 4) = 50.
    const bytes = sequential([1, 3, 3], [pool("MaxPool", 2, 1), flatten, gemm(1, 4, [1, 2, 3, 4])], 1);
    const input = Float32Array.of(1, 5, 2, 0, 5, 3, 4, 1, 1);
    const { lrp, gradient } = await maps(bytes, input);
    // Gradient: (0,1) gets 1/2 + 2/2 = 1.5, (1,1) gets 1/2 + 2/2 + 3 + 4 = 8.5.
    const g = [0, 1.5 / 8.5, 0, 0, 1, 0, 0, 0, 0];
    assertClose(gradient, g, "gradient");
    // LRP: window relevances 5, 10, 15, 20 routed the same way: (0,1) 7.5, (1,1) 42.5 (sum 50).
    assertClose(lrp, [0, 7.5 / 42.5, 0, 0, 1, 0, 0, 0, 0], "lrp");
  });

  it("the raw input gradient matches finite differences of the float64 forward pass", async () => {
    const weights = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7));
    const bytes = sequential(
      [2, 6, 6],
      [
        conv(3, 2, 3, weights(54, 1), 1, [1, 1, 1, 1]),
        relu,
        pool("AveragePool", 2, 2),
        conv(2, 3, 2, weights(24, 2)),
        relu,
        pool("MaxPool", 2, 1, [0, 0, 1, 1]),
        flatten,
        gemm(2, 8, weights(16, 3), [0.1, -0.2]),
      ],
      2,
    );
    const input = Float32Array.from({ length: 72 }, (_, i) => Math.cos(i * 0.37));
    const chain = chainOf(bytes, 1);
    const graph = addInputGradient(parseOnnxModel(bytes), chain, { outputIndex: 1, traces: true });
    const inputTrace = graph.traceOutputs[graph.traceOutputs.length - 1].tensor;
    const gradient = (await runGraph(graph.bytes, input, [1, 2, 6, 6], [inputTrace]))[inputTrace];
    const y = (x: Float32Array | Float64Array) =>
      (referenceForward(chain, x, 1).get("output") as Float64Array)[1];
    const h = 1e-5;
    let checked = 0;
    for (let i = 0; i < input.length; i++) {
      const plus = Float64Array.from(input);
      const minus = Float64Array.from(input);
      plus[i] += h;
      minus[i] -= h;
      const numeric = (y(plus) - y(minus)) / (2 * h);
      assert.ok(
        Math.abs(numeric - gradient[i]) < 1e-4,
        `d y / d x[${i}]: ${gradient[i]} vs finite difference ${numeric}`,
      );
      if (numeric !== 0) checked++;
    }
    assert.ok(checked > 20, "most inputs influence the output");
  });
});
