import * as assert from "node:assert/strict";
import { runCli } from "../support/cli";
import { fixturePath } from "../support/paths";

const cli = (args: string[]) => runCli(["eval", ...args]);

describe("visualbackprop eval", () => {
  it("prints one JSON object with the steering figures and a row per method", () => {
    const run = cli([
      "--model",
      fixturePath("golden", "vbp", "pilotnet.onnx"),
      "--seeds",
      "1000001",
      "--frames",
      "2",
      "--methods",
      "vbp,gradient",
      "--json",
    ]);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      frames: number;
      steering: { r2: number };
      methods: Record<string, { laneFocus: number }>;
    };
    assert.equal(result.frames, 2);
    assert.deepEqual(Object.keys(result.methods), ["vbp", "gradient"]);
    assert.equal(typeof result.methods.vbp.laneFocus, "number");
  });

  it("rejects an unknown seed format, an unknown method and a missing model clearly", () => {
    const badSeed = cli(["--seeds", "12,a b"]);
    assert.equal(badSeed.status, 2);
    assert.match(badSeed.stderr, /--seeds: 'a b' is neither an integer nor a word/);
    const negative = cli(["--seeds=-3"]);
    assert.equal(negative.status, 2);
    assert.match(negative.stderr, /'-3' is not a non-negative integer/);
    const method = cli(["--methods", "vbp,cam"]);
    assert.equal(method.status, 2);
    assert.match(method.stderr, /--methods: expected vbp, lrp or gradient, got 'cam'/);
    const missing = cli(["--model", "/nonexistent/model.onnx"]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /model '\/nonexistent\/model.onnx' does not exist/);
  });
});
