import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { DEFAULT_MODEL } from "../../src/cli/package-paths";
import { TEST_SEED } from "../../src/drive/seeds";
import { evaluateMasks } from "../../src/eval/evaluate-masks";

describe("visualbackprop eval on the shipped model", () => {
  it("steers well on a fresh drive, and its salient pixels are the ones that steer it", async () => {
    assert.ok(fs.existsSync(DEFAULT_MODEL), `missing ${DEFAULT_MODEL}`);
    // A drive no part of training or the model card has seen. The bounds are looser than the model
    // card's figures (models/README.md): a short drive is noisier. They still fail a model whose
    // masks are no better than uniform or whose salient pixels do not steer it. Distractor focus is
    // left to the model card: on one short drive it swings with what stands by the road.
    const result = await evaluateMasks({
      modelPath: DEFAULT_MODEL,
      seeds: [TEST_SEED],
      framesPerSeed: 24,
      stride: 10,
    });
    assert.equal(result.frames, 24);
    assert.ok(result.steering.r2 > 0.7, `R² ${result.steering.r2}`);
    assert.ok(result.laneFocus > 1.2, `lane focus ${result.laneFocus}`);
    assert.ok(result.shift.ratio > 2, `shift ratio ${result.shift.ratio}`);
    assert.ok(
      result.deletion.maskArea > result.deletion.randomArea,
      "mask-order deletion changes steering more than random",
    );
  });

  it("refuses a frame smaller than the model's input and a missing model", async () => {
    await assert.rejects(
      evaluateMasks({
        modelPath: DEFAULT_MODEL,
        seeds: [TEST_SEED],
        framesPerSeed: 2,
        frameWidth: 160,
        frameHeight: 120,
      }),
      /frame size 160x120 is below the model's input 200x66|smaller/,
    );
    await assert.rejects(
      evaluateMasks({ modelPath: "/nonexistent.onnx", seeds: [1], framesPerSeed: 2 }),
      /model '\/nonexistent.onnx' does not exist/,
    );
  });
});
