import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateModel, readModelCard } from "../../src/drive/evaluate";
import { PILOTNET_INPUT } from "../../src/drive/model-input";
import { TEST_SEED } from "../../src/drive/seeds";

const MODEL = path.resolve(__dirname, "../../../models/pilotnet.onnx");

describe("models/pilotnet.onnx on a fresh held-out drive", function () {
  this.timeout(30000);

  it("ships with the preprocessing it was trained for", () => {
    const card = readModelCard(MODEL.replace(/\.onnx$/, ".json"));
    assert.equal(card.input, "input");
    assert.equal(card.output, "curvature");
    assert.deepEqual(card.preprocess, PILOTNET_INPUT);
    assert.deepEqual(card.frame, { width: 640, height: 480 });
  });

  it("predicts the road's curvature (R2 > 0.9)", async () => {
    assert.ok(fs.existsSync(MODEL), `missing ${MODEL}`);
    const result = await evaluateModel({
      modelPath: MODEL,
      seeds: [TEST_SEED],
      framesPerSeed: 120,
      stride: 20,
    });
    assert.ok(result.road.r2 > 0.9, `R2 ${result.road.r2.toFixed(3)}, MAE ${result.road.mae.toFixed(5)}`);
    assert.ok(result.road.mae < 0.002, `MAE ${result.road.mae}`);
  });

  it("says clearly when the model is missing", async () => {
    await assert.rejects(
      evaluateModel({ modelPath: "models/nope.onnx", seeds: [TEST_SEED], framesPerSeed: 1 }),
      /model not found: models\/nope.onnx/,
    );
  });
});
