import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { DEFAULT_MODEL } from "../../src/cli/package-paths";
import { TEST_SEED } from "../../src/drive/seeds";
import { evaluateMasks } from "../../src/eval/evaluate-masks";

describe("visualbackprop eval on the shipped model", () => {
  it("steers well on a fresh drive, and its salient pixels are the ones that steer it", async () => {
    assert.ok(fs.existsSync(DEFAULT_MODEL), `missing ${DEFAULT_MODEL}`);
    // A drive no part of training or the model card has seen; its sharp curves put more of the masks
    // on the far bend, where lines are thin (measured here: R² 0.991, lane focus 2.36, shift ratio
    // 5.0; on the model card's 8 drives 0.990, 5.28 and 4.97). The bounds still fail the model
    // shipped before this one (lane focus 1.48 here), uniform masks, and salient pixels that do not
    // steer. Distractor focus is left to the model card: on one short drive it swings with what
    // stands by the road.
    const result = await evaluateMasks({
      modelPath: DEFAULT_MODEL,
      seeds: [TEST_SEED],
      framesPerSeed: 24,
      stride: 10,
    });
    assert.equal(result.frames, 24);
    assert.ok(result.steering.r2 > 0.9, `R² ${result.steering.r2}`);
    assert.ok(result.laneFocus > 1.8, `lane focus ${result.laneFocus}`);
    assert.ok(result.shift.ratio > 3, `shift ratio ${result.shift.ratio}`);
    // Without the copies of the salient lines that the plain test paints beside them, moving the
    // rest changes this one-line model's steering less still.
    assert.ok(
      result.shift.backgroundChangeWithoutCopies < result.shift.backgroundChange,
      `background ${result.shift.backgroundChange}, without copies ${result.shift.backgroundChangeWithoutCopies}`,
    );
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
