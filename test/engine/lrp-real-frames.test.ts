import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { DEFAULT_MODEL } from "../../src/cli/package-paths";
import { SyntheticDrive } from "../../src/drive/drive";
import { HELD_OUT_SEEDS } from "../../src/drive/seeds";
import { referenceForward } from "../../src/engine/chain-reference";
import { Engine } from "../../src/engine/engine";
import { referenceLrp } from "../../src/engine/lrp-reference";
import { loadModelSpec } from "../../src/engine/model-spec";
import { preprocess } from "../../src/image/preprocess";
import { maxAbsDiff } from "../support/arrays";
import { buildCnn } from "../../src/onnx/cnn-builder";
import { BACKWARD_CASES } from "./backward-cases";
import { chainOf, randomInput } from "./backward-helpers";

/**
 * Real frames, not random tensors: the synthetic drive's grey road and neutral chroma sit close to
 * the model's normalisation midpoint (x / 127.5 - 1 = 0), where float32 rounding of the normalised
 * input once moved LRP's map by 2.9e-3 (issue 15).
 */
describe("LRP on rendered frames of the shipped model against float64", function () {
  this.timeout(120000);

  it("stays within 1e-4 of the float64 reference, at the input and at the first convolution", async () => {
    assert.ok(fs.existsSync(DEFAULT_MODEL), `missing ${DEFAULT_MODEL}`);
    const spec = loadModelSpec(DEFAULT_MODEL);
    const bytes = fs.readFileSync(DEFAULT_MODEL);
    const chain = chainOf(bytes);
    const [channels, height, width] = chain.input.shape;
    const frames = [
      [HELD_OUT_SEEDS[0], 40],
      [HELD_OUT_SEEDS[2], 400],
      [HELD_OUT_SEEDS[5], 1200],
    ] as const;
    const size = channels * height * width;
    const input = new Float32Array(frames.length * size);
    frames.forEach(([seed, index], n) => {
      const frame = new SyntheticDrive({ seed }).frame(index);
      preprocess(frame.image, { ...spec.preprocess, width, height }, input, n * size);
    });
    const float64 = referenceForward(chain, input, frames.length);
    const maps: Float32Array[] = [];
    for (const lrpAt of ["input", "conv1"] as const) {
      const engine = await Engine.create({ modelBytes: bytes, provider: "cpu", method: "lrp", lrpAt });
      try {
        const { masks } = await engine.run(input, frames.length);
        const reference = referenceLrp(chain, float64, frames.length, { lrpAt });
        const diff = maxAbsDiff(masks, reference.masks);
        assert.ok(diff < 1e-4, `${lrpAt}: float32 LRP differs from float64 by ${diff}`);
        maps.push(masks);
      } finally {
        await engine.release();
      }
    }
    // x / 127.5 - 1 has an offset: at the input the relevance is weighted by the raw x (0..255), at
    // conv1 by the normalised value, which is near 0 on grey road. The two maps differ.
    assert.ok(
      maxAbsDiff(maps[0], maps[1]) > 0.05,
      `input and conv1 differ by ${maxAbsDiff(maps[0], maps[1])}`,
    );
  });
});

describe("LRP's point of measurement on a generated model with an input scale", () => {
  it("matches the float64 reference at the input and at conv1", async () => {
    const bytes = buildCnn({
      channels: 3,
      height: 20,
      width: 22,
      layers: BACKWARD_CASES[3].spec.layers,
      head: [4, 2],
      seed: 11,
    });
    const chain = chainOf(bytes);
    const input = randomInput(chain, 2, 3).map((v) => v * 127.5 + 127.5);
    const float64 = referenceForward(chain, input, 2);
    const maps: Float32Array[] = [];
    for (const lrpAt of ["input", "conv1"] as const) {
      const engine = await Engine.create({ modelBytes: bytes, provider: "cpu", method: "lrp", lrpAt });
      try {
        const { masks } = await engine.run(input, 2);
        const reference = referenceLrp(chain, float64, 2, { lrpAt });
        assert.ok(
          maxAbsDiff(masks, reference.masks) < 1e-4,
          `${lrpAt}: ${maxAbsDiff(masks, reference.masks)}`,
        );
        maps.push(masks);
      } finally {
        await engine.release();
      }
    }
    // A scale alone (no offset) cancels in the rule: both points give the same map.
    assert.ok(maxAbsDiff(maps[0], maps[1]) < 1e-4, "a pure scale leaves the map as it is");
  });
});
