import * as assert from "node:assert/strict";
import { runCli } from "../support/cli";
import * as path from "node:path";
import { fixturePath, REPO_ROOT } from "../support/paths";

const SHIPPED = path.join(REPO_ROOT, "models", "pilotnet.onnx");

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
      methods: Record<
        string,
        { laneFocus: number; lineShares: { left: number; right: number }; met: Record<string, boolean> }
      >;
      targets: Record<string, number>;
    };
    assert.equal(result.frames, 2);
    assert.deepEqual(Object.keys(result.methods), ["vbp", "gradient"]);
    assert.equal(typeof result.methods.vbp.laneFocus, "number");
    // Issue 15's targets: "all met" means these.
    assert.deepEqual(result.targets, {
      r2: 0.99,
      laneFocus: 6,
      distractorFocus: 0.5,
      shiftRatio: 6,
      lineShare: 0.25,
    });
    const { left, right } = result.methods.vbp.lineShares;
    assert.ok(left >= 0 && right >= 0 && left + right <= 1, `line shares ${left}, ${right}`);
    assert.deepEqual(Object.keys(result.methods.vbp.met), [
      "r2",
      "laneFocus",
      "distractorFocus",
      "shiftRatio",
      "lineShare",
      "all",
    ]);
    assert.equal(result.methods.vbp.met.all, false, "the golden test model meets none of them");
  });

  it("rejects an unknown seed format, an unknown method and a missing model clearly", () => {
    const badSeed = cli(["--seeds", "12,a b"]);
    assert.equal(badSeed.status, 2);
    assert.match(badSeed.stderr, /--seeds: 'a b' is neither an integer nor a word/);
    const negative = cli(["--seeds=-3"]);
    assert.equal(negative.status, 2);
    assert.match(negative.stderr, /'-3' is not a non-negative integer/);
    const lrpAt = cli(["--methods", "vbp", "--lrp-at", "conv1"]);
    assert.equal(lrpAt.status, 2);
    assert.match(lrpAt.stderr, /--lrp-at applies to the lrp method only/);
    const method = cli(["--methods", "vbp,cam"]);
    assert.equal(method.status, 2);
    assert.match(method.stderr, /--methods: expected vbp, lrp or gradient, got 'cam'/);
    const missing = cli(["--model", "/nonexistent/model.onnx"]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /model '\/nonexistent\/model.onnx' does not exist/);
  });

  describe("--compare: two models side by side on the same frames", () => {
    const golden = fixturePath("golden", "vbp", "pilotnet.onnx");
    const common = ["--seeds", "1000001", "--frames", "2"];
    it("a model against itself: every difference 0, neither better", () => {
      const run = cli(["--model", golden, "--compare", golden, ...common]);
      assert.equal(run.status, 0, run.stderr);
      const rows = run.stdout
        .split("\n")
        .filter((l) => /^(steering|within|vbp) /.test(l) && !/looks/.test(l));
      assert.equal(rows.length, 9, run.stdout);
      for (const row of rows) assert.match(row, /\s(-?0(\.0+)?|NaN)\s+same$/, row);
      assert.match(run.stdout, /vbp: both look at lane markings and road edges alike/);
    });
    it("the untrained golden net against the shipped one: the shipped one steers and looks better", () => {
      const run = cli(["--model", golden, "--compare", SHIPPED, ...common, "--json"]);
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout) as {
        steering: { mae: number };
        methods: { vbp: { laneFocus: number } };
        compare: { modelPath: string; steering: { mae: number }; methods: { vbp: { laneFocus: number } } };
      };
      assert.equal(result.compare.modelPath, SHIPPED);
      assert.ok(result.compare.steering.mae < result.steering.mae);
      assert.ok(result.compare.methods.vbp.laneFocus > result.methods.vbp.laneFocus);
      const table = cli(["--model", golden, "--compare", SHIPPED, ...common]);
      assert.match(table.stdout, /^steering MAE, 1\/m .* B$/m);
      assert.match(table.stdout, /vbp: B looks at lane markings and road edges more \(lane focus/);
    });
    it("an empty --compare is a usage error", () => {
      const run = cli(["--compare="]);
      assert.equal(run.status, 2);
      assert.match(run.stderr, /--compare: expected an ONNX model file, got ''/);
    });
  });
});
