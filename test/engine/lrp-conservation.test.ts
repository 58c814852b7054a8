import * as assert from "node:assert/strict";
import { referenceForward } from "../../src/engine/chain-reference";
import { addLrp } from "../../src/engine/lrp-graph";
import { referenceLrp } from "../../src/engine/lrp-reference";
import { attr } from "../../src/onnx/onnx-writer";
import { buildCnn } from "../../src/onnx/cnn-builder";
import { parseOnnxModel } from "../../src/onnx/onnx-model";
import { chainOf, randomInput } from "./backward-helpers";
import { conv, flatten, gemm, pool, relu, runGraph, sequential, Step } from "./tiny-models";

const wave = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 3.1 + i * 2.3));

/** BatchNormalization without offset: mean 0, beta 0, so it scales and adds nothing. */
const scaleOnlyBatchNorm = (channels: number): Step => ({
  op: "BatchNormalization",
  constants: [
    { dims: [channels], data: wave(channels, 9).map((v) => 1 + 0.5 * v) },
    { dims: [channels], data: new Array<number>(channels).fill(0) },
    { dims: [channels], data: new Array<number>(channels).fill(0) },
    { dims: [channels], data: new Array<number>(channels).fill(1) },
  ],
  attributes: { epsilon: attr.float(1e-5) },
});

/** Every bias zero: LRP-epsilon then conserves relevance up to what epsilon absorbs. */
function zeroBiasModel(): Uint8Array {
  return sequential(
    [2, 12, 12],
    [
      conv(4, 2, 3, wave(72, 1), 1, [1, 1, 1, 1]),
      scaleOnlyBatchNorm(4),
      relu,
      pool("MaxPool", 3, 2, [1, 1, 1, 1]),
      conv(3, 4, 2, wave(48, 2)),
      relu,
      pool("AveragePool", 2, 2, [0, 0, 1, 1], 1),
      {
        op: "Pad",
        constants: [{ dims: [8], data: BigInt64Array.from([0, 0, 1, 0, 0, 0, 0, 1].map(BigInt)) }],
        attributes: { mode: attr.string("constant") },
      },
      flatten,
      gemm(5, 48, wave(240, 3)),
      relu,
      gemm(2, 5, wave(10, 4)),
    ],
    2,
  );
}

/** Per image: sum of the relevance at every layer input, relative to the output value explained. */
function deviations(
  traces: readonly ArrayLike<number>[],
  output: ArrayLike<number>,
  batch: number,
  index: number,
): number[] {
  const worst: number[] = [];
  for (const trace of traces) {
    const per = trace.length / batch;
    for (let n = 0; n < batch; n++) {
      let sum = 0;
      for (let i = 0; i < per; i++) sum += trace[n * per + i];
      const y = output[n * 2 + index];
      worst.push(Math.abs(sum - y) / Math.abs(y));
    }
  }
  return worst;
}

describe("LRP-epsilon conserves relevance layer by layer", () => {
  const bytes = zeroBiasModel();
  const chain = chainOf(bytes, 1);
  const batch = 3;
  const input = randomInput(chain, batch, 21).map((v) => v + 1);

  it("in the graph: each layer's relevance sums to the explained output (float32, epsilon 1e-6)", async () => {
    const graph = addLrp(parseOnnxModel(bytes), chain, { outputIndex: 1, traces: true, epsilon: 1e-6 });
    assert.equal(graph.traceOutputs.length, chain.layers.length + 1);
    const names = graph.traceOutputs.map((t) => t.tensor);
    const results = await runGraph(graph.bytes, input, [batch, 2, 12, 12], ["output", ...names]);
    assert.ok(
      results.output.every((v, i) => i % 2 === 0 || Math.abs(v) > 0.1),
      "outputs are far from 0",
    );
    const worst = Math.max(
      ...deviations(
        names.map((n) => results[n]),
        results.output,
        batch,
        1,
      ),
    );
    assert.ok(worst < 1e-4, `relevance drifts by ${worst} of the output`);
  });

  it("in the float64 reference, to within what epsilon absorbs; a large epsilon absorbs visibly", () => {
    const activations = referenceForward(chain, input, batch);
    const output = activations.get("output") as Float64Array;
    const tight = referenceLrp(chain, activations, batch, { epsilon: 1e-9, outputIndex: 1 });
    assert.ok(Math.max(...deviations(tight.traces, output, batch, 1)) < 1e-7);
    const loose = referenceLrp(chain, activations, batch, { epsilon: 1, outputIndex: 1 });
    assert.ok(Math.max(...deviations(loose.traces, output, batch, 1)) > 1e-2);
  });

  it("biases take their share, so a model with biases does not conserve", () => {
    const biased = buildCnn({
      channels: 1,
      height: 9,
      width: 9,
      layers: [{ conv: { out: 3, kernel: 3 } }, { relu: true }],
      head: [2],
      seed: 4,
    });
    const biasedChain = chainOf(biased);
    const x = randomInput(biasedChain, 1, 3);
    const activations = referenceForward(biasedChain, x, 1);
    const output = activations.get("output") as Float64Array;
    const traces = referenceLrp(biasedChain, activations, 1, { epsilon: 1e-9 }).traces;
    assert.ok(Math.max(...deviations(traces, output, 1, 0)) > 1e-3);
  });
});
