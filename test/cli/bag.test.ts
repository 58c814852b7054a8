import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { snapshot } from "../bag/helpers";
import {
  CAMERA,
  readBag,
  STEERING,
  tempDir,
  testMessages,
  testModelPath,
  writeMcapBag,
} from "../offline/helpers";
import { runCli, type CliRun } from "../support/cli";
import { REPO_ROOT } from "../support/paths";

const BIN = path.join(REPO_ROOT, "bin", "visualbackprop");
const FIXTURES = process.env.VBP_ROSBAG2_FIXTURES ?? "/work/shared/fixtures/rosbag2";

function cli(args: string[]): CliRun {
  return runCli(["bag", ...args]);
}

/** Runs the CLI and sends `signal` once it has reported progress; resolves with its exit code. */
function interrupt(
  args: string[],
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "bag", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /^bag: \d+\/\d+ frames/m.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("visualbackprop bag (the command)", function () {
  this.timeout(30000);
  let tmp: ReturnType<typeof tempDir>;
  let model: string;
  before(() => (model = testModelPath()));
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  it("processes a Humble sqlite3 recording, writes the report, and leaves the input as it was", async () => {
    const input = path.join(FIXTURES, "humble_sqlite3");
    const before = snapshot(input);
    const out = path.join(tmp.dir, "out");
    const report = path.join(tmp.dir, "report");
    const run = cli([
      input,
      "-o",
      out,
      "--model",
      model,
      "--provider",
      "cpu",
      "--steering-topic",
      STEERING,
      "--report",
      report,
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /frames: 15 processed, 0 skipped/);
    assert.match(run.stdout, /done: all 15 frames processed/);
    assert.match(run.stderr, /bag: 15\/15 frames \(100 %\)/);
    assert.ok(fs.existsSync(path.join(report, "index.html")));
    const { bag, messages } = await readBag(out);
    assert.equal(bag.storage, "mcap");
    assert.equal(messages.filter((m) => m.topic === "/visualbackprop/front/overlay").length, 15);
    assert.equal(snapshot(input), before);
  });

  it("exits 3 on a truncated bag, having processed what could be read", async () => {
    await writeMcapBag(path.join(tmp.dir, "in"), await testMessages({ frames: 12 }), {
      compression: "none",
      chunkSize: 30000,
    });
    const file = path.join(tmp.dir, "in", "in_0.mcap");
    const cut = path.join(tmp.dir, "cut.mcap");
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size * 0.6)));
    const run = cli([cut, "-o", path.join(tmp.dir, "out"), "--model", model, "--provider", "cpu"]);
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stdout, /input damage: .*messages known lost/);
    assert.match(run.stdout, /partial: \d+ frames processed/);
    const { messages } = await readBag(path.join(tmp.dir, "out"));
    assert.ok(messages.some((m) => m.topic === "/visualbackprop/front/mask"));
  });

  it("exits 1 with a clear message for a non-bag, an existing output, the input as output; 2 for usage", async () => {
    fs.writeFileSync(path.join(tmp.dir, "notes.txt"), "not a bag");
    let run = cli([path.join(tmp.dir, "notes.txt"), "-o", path.join(tmp.dir, "out"), "--model", model]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /notes\.txt: not a bag/);
    const input = path.join(tmp.dir, "in");
    await writeMcapBag(input, await testMessages({ frames: 1 }));
    fs.mkdirSync(path.join(tmp.dir, "exists"));
    run = cli([input, "-o", path.join(tmp.dir, "exists"), "--model", model]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /output .*exists already exists \(pass --force/);
    run = cli([input, "-o", input, "--force", "--model", model]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /is, contains or lies inside/);
    run = cli([input, "--model", model]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /-o\/--output DIR is required/);
    run = cli([input, "-o", path.join(tmp.dir, "o"), "--outputs", "steering,heatmap"]);
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /--outputs: expected a comma-separated list of steering, saliency, mask, overlay/,
    );
    run = cli([input, "-o", path.join(tmp.dir, "o"), "--compression", "gzip"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--compression: expected one of zstd, lz4, none, got "gzip"/);
    assert.ok(fs.existsSync(path.join(input, "metadata.yaml")));
  });

  describe("stopped midway", () => {
    let input: string;
    let long: ReturnType<typeof tempDir>;
    after(() => long.remove());
    before(async function () {
      this.timeout(30000);
      long = tempDir();
      input = path.join(long.dir, "long");
      await writeMcapBag(input, await testMessages({ frames: 500, width: 160, height: 120 }));
    });

    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      it(`${signal} leaves a finalised bag with the frames processed so far (exit ${code})`, async () => {
        const out = path.join(tmp.dir, "out");
        const run = await interrupt(
          [input, "-o", out, "--model", model, "--provider", "cpu", "--batch", "4"],
          signal,
        );
        assert.equal(run.code, code, run.stderr);
        assert.match(run.stderr, new RegExp(`${signal}: finishing the frames read so far`));
        const frames = Number(
          /interrupted \(\w+\): the output is a valid, finalised bag with the (\d+) frames/.exec(
            run.stdout,
          )?.[1],
        );
        assert.ok(frames > 0 && frames < 500, run.stdout);
        const { bag, messages } = await readBag(out);
        assert.deepEqual(bag.problems, []);
        assert.equal(messages.filter((m) => m.topic === "/visualbackprop/front/steering").length, frames);
        assert.equal(messages.filter((m) => m.topic === CAMERA).length, frames);
      });
    }
  });
});
