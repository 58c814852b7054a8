import * as assert from "node:assert/strict";
import { runCli as cli } from "../support/cli";

describe("visualbackprop demo", () => {
  it("explains a bad command line with exit code 2 and the messages the other commands use", () => {
    const cases: [string[], RegExp][] = [
      [["--frames", "0"], /--frames: expected an integer >= 1, got '0'/],
      [["--seed", "1.5"], /--seed: expected an integer >= 0, got '1.5'/],
      [["--batch", ""], /--batch: expected an integer >= 1, got ''/],
      [["--provider", "tpu"], /--provider: expected cpu, cuda, tensorrt, webgpu or auto, got 'tpu'/],
      [["--bogus", "1"], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const run = cli(["demo", ...args]);
      assert.equal(run.status, 2, args.join(" "));
      assert.match(run.stderr, message);
    }
  });
});
