import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Engine } from "../../src/engine/engine";
import { parseNpy } from "../../src/npy";
import { maxAbsDiff } from "../support/arrays";
import { goldenPilotNet as golden, jsonLines, runCli as cli, runGoldenMask } from "../support/cli";
import { tempDir } from "../support/paths";

describe("visualbackprop mask --method", () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => remove());

  for (const [method, extra] of [
    ["lrp", ["--epsilon", "1e-4", "--lrp-at", "conv1"]],
    ["gradient", []],
  ] as const) {
    it(`writes ${method} maps, the same as the engine's`, async () => {
      const run = runGoldenMask(dir, [golden("input.npy")], ["--method", method, ...extra, "--timing"]);
      assert.equal(run.status, 0, run.stderr);
      const lines = jsonLines(run.stdout);
      assert.equal(lines.length, 3);
      for (const line of lines) {
        assert.equal(line.method, method);
        assert.equal(typeof line[`${method}Ms`], "number");
        assert.equal(line.visualbackpropMs, undefined);
      }
      const masks = parseNpy(fs.readFileSync(path.join(dir, "pilotnet.input.mask.npy")));
      assert.deepEqual(masks.shape, [3, 66, 200]);
      const input = parseNpy(fs.readFileSync(golden("input.npy"))).data as Float32Array;
      const engine = await Engine.create({
        modelPath: golden("onnx"),
        provider: "cpu",
        method,
        epsilon: method === "lrp" ? 1e-4 : undefined,
        lrpAt: method === "lrp" ? "conv1" : undefined,
      });
      try {
        const expected = (await engine.run(input, 3)).masks;
        assert.ok(maxAbsDiff(masks.data, expected) < 1e-6);
        const vbp = parseNpy(fs.readFileSync(golden("mask.npy"))).data;
        assert.ok(maxAbsDiff(masks.data, vbp) > 0.05, "the map is not the VisualBackProp mask");
      } finally {
        await engine.release();
      }
    });
  }

  it("keeps vbp as the default and explains bad method options with exit code 2", () => {
    const run = runGoldenMask(dir, [golden("input.npy")]);
    assert.equal(run.status, 0, run.stderr);
    const [first] = jsonLines(run.stdout);
    assert.equal(first.method, "vbp");
    assert.equal(first.visualbackpropMs, undefined, "timed only with --timing");
    const cases: [string[], RegExp][] = [
      [["--method", "cam"], /--method: expected vbp, lrp, gradient, got 'cam'/],
      [["--method", "lrp", "--epsilon", "0"], /--epsilon: expected a positive number, got '0'/],
      [["--epsilon", "0.1"], /--epsilon applies to --method lrp only/],
      [["--method", "gradient", "--layers"], /--layers exists for --method vbp only/],
      [["--method", "lrp", "--lrp-at", "conv2"], /--lrp-at: expected input or conv1, got 'conv2'/],
      [["--lrp-at", "conv1"], /--lrp-at applies to the lrp method only/],
    ];
    for (const [args, message] of cases) {
      const bad = cli(["mask", ...args, "--out", dir, golden("input.npy")]);
      assert.equal(bad.status, 2, args.join(" "));
      assert.match(bad.stderr, message);
    }
  });
});
