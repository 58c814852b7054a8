import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { Engine } from "../../src/engine/engine";
import { parseNpy } from "../../src/npy";
import { maxAbsDiff } from "../support/arrays";
import { fixturePath } from "../support/paths";

describe("engine against the independent reference vectors (test/fixtures/golden/vbp)", () => {
  for (const name of ["pilotnet", "pooled"]) {
    it(`${name}: masks within 1e-4 and outputs unchanged`, async () => {
      const file = (suffix: string) => fixturePath("golden", "vbp", `${name}.${suffix}`);
      const input = parseNpy(fs.readFileSync(file("input.npy")));
      const expectedMask = parseNpy(fs.readFileSync(file("mask.npy")));
      const expectedOutputs = parseNpy(fs.readFileSync(file("outputs.npy")));
      const engine = await Engine.create({ modelPath: file("onnx"), provider: "cpu" });
      try {
        const batch = input.shape[0];
        const result = await engine.run(input.data as Float32Array, batch);
        assert.deepEqual([result.batch, result.height, result.width], expectedMask.shape);
        assert.ok(
          maxAbsDiff(result.masks, expectedMask.data) < 1e-4,
          "mask differs from the reference by more than 1e-4",
        );
        const output = result.outputs[engine.outputNames[0]];
        assert.deepEqual(output.dims, expectedOutputs.shape);
        assert.ok(maxAbsDiff(output.data, expectedOutputs.data) < 1e-4, "model outputs changed");
        // The plain model, on its own session, gives the same outputs: the rewrite did not touch them.
        const forward = await engine.forward(input.data as Float32Array, batch);
        assert.deepEqual(Array.from(forward.outputs[engine.outputNames[0]].data), Array.from(output.data));
      } finally {
        await engine.release();
      }
    });
  }
});
