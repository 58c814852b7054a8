import * as assert from "node:assert/strict";
import { Engine } from "../../src/engine/engine";
import { analyseChain } from "../../src/engine/layer-chain";
import { LayerChain } from "../../src/engine/chain-layers";
import { referenceForward } from "../../src/engine/chain-reference";
import { parseOnnxModel } from "../../src/onnx/onnx-model";
import { mulberry32 } from "../../src/onnx/cnn-builder";
import { maxAbsDiff } from "../support/arrays";

/** Deterministic random input of `batch` images for a chain. */
export function randomInput(chain: LayerChain, batch: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const size = chain.input.shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: batch * size }, () => random() * 2 - 1);
}

export function chainOf(bytes: Uint8Array, outputIndex = 0): LayerChain {
  return analyseChain(parseOnnxModel(bytes), outputIndex);
}

/** Runs the engine with every activation returned, as a name -> values map (input included). */
export async function runWithActivations(
  engine: Engine,
  chain: LayerChain,
  input: Float32Array,
  batch: number,
): Promise<{ masks: Float32Array; activations: Map<string, Float32Array>; output: Float32Array }> {
  const result = await engine.run(input, batch);
  const activations = new Map<string, Float32Array>([[chain.input.name, input]]);
  for (const name of engine.featureMapOutputs) activations.set(name, result.outputs[name].data);
  const output = result.outputs[chain.output.name].data;
  activations.set(chain.output.name, output);
  return { masks: result.masks, activations, output };
}

/** The float64 reference forward pass agrees with ONNX Runtime's output: the chain reads the model right. */
export function assertForwardMatches(
  chain: LayerChain,
  input: Float32Array,
  batch: number,
  output: Float32Array,
): void {
  const reference = referenceForward(chain, input, batch).get(chain.output.name) as Float64Array;
  const scale = Math.max(1, ...Array.from(reference, Math.abs));
  assert.ok(maxAbsDiff(output, reference) / scale < 1e-4, "reference forward pass differs from ONNX Runtime");
}

export function assertUnitRange(masks: Float32Array): void {
  for (const v of masks) assert.ok(v >= 0 && v <= 1, `mask value ${v} leaves [0, 1]`);
}
