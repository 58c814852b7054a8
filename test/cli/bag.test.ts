import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { MessageRegistry } from "../../src/bag/msg-registry";
import { createBagWriter } from "../../src/bag/rosbag2-writer";
import { FIXTURES, snapshot } from "../bag/helpers";
import { writeSyntheticDriveBag } from "../../src/offline/synthetic-bag";
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

  it("--compare: both models' outputs, the comparison in the summary and the report", async () => {
    const input = path.join(FIXTURES, "humble_sqlite3");
    const out = path.join(tmp.dir, "out");
    const report = path.join(tmp.dir, "report");
    const run = cli([
      input,
      "-o",
      out,
      "--model",
      model,
      "--compare",
      model,
      "--provider",
      "cpu",
      "--report",
      report,
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /model pilotnet compared with pilotnet/);
    assert.match(run.stdout, /comparison: pilotnet vs pilotnet \(cpu, one input for both\) on 15 frames/);
    assert.match(
      run.stdout,
      /masks: mean absolute difference 0\.0000 \(max 0\.0000\), IoU of the top 5 % mean 1\.000/,
    );
    const { messages } = await readBag(out);
    for (const kind of ["steering", "saliency", "mask", "overlay", "comparison", "diff"])
      assert.equal(
        messages.filter((m) => m.topic === `/visualbackprop/front/compare/${kind}`).length,
        15,
        kind,
      );
    assert.match(
      fs.readFileSync(path.join(report, "index.html"), "utf8"),
      /<h2>Comparison: pilotnet and pilotnet<\/h2>/,
    );
    // Not a synthetic drive bag (sqlite3 cannot say so): no lane focus sentence.
    assert.doesNotMatch(fs.readFileSync(path.join(report, "index.html"), "utf8"), /lane markings/);
    const missing = cli([
      input,
      "-o",
      path.join(tmp.dir, "out2"),
      "--model",
      model,
      "--compare",
      "/nonexistent.onnx",
    ]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--compare: model '\/nonexistent.onnx' does not exist/);
  });

  it("--compare --report on a synthetic drive bag: the paragraph says which model looks at lane markings more", async () => {
    const input = path.join(tmp.dir, "drive");
    await writeSyntheticDriveBag(input, { seed: 1000001, frames: 3, width: 160, height: 120, rateHz: 1 });
    const report = path.join(tmp.dir, "lane-report");
    const args = ["-o", path.join(tmp.dir, "lane-out"), "--model", model, "--compare", model];
    const run = cli([input, ...args, "--provider", "cpu", "--outputs", "steering", "--report", report]);
    assert.equal(run.status, 0, run.stderr);
    // The same model on both sides looks alike, on the 3 frames of the drive.
    assert.match(
      fs.readFileSync(path.join(report, "index.html"), "utf8"),
      /pilotnet \(--model\) and pilotnet \(--compare\) look at lane markings alike: lane focus (\d+\.\d\d) vs \1, distractor focus (\d+\.\d\d) vs \2 \(eval&#39;s measures on the synthetic drive&#39;s ground truth, 3 frames;/,
    );
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
    assert.match(run.stdout, /input damage: 2 problems, an unknown number of input messages lost/);
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
    assert.match(run.stderr, /output .*exists already exists \(pass --force to replace it\)/);
    // The output is, or contains, the input: one check, one message each, even with --force.
    run = cli([input, "-o", input, "--force", "--model", model]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /error: output .*in is the input bag .*in or inside it; choose another output directory$/m,
    );
    run = cli([input, "-o", tmp.dir, "--force", "--model", model]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /error: output .* contains the input bag .*in; choose another output directory$/m,
    );
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

  it("--force never replaces a recording it did not write, nor a report of another tool", () => {
    const victim = path.join(tmp.dir, "victim");
    fs.cpSync(path.join(FIXTURES, "humble_sqlite3"), victim, { recursive: true });
    const input = path.join(FIXTURES, "humble_mcap");
    let run = cli([input, "-o", victim, "--force", "--model", model]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /victim is a recording this tool did not write.*remove .*victim yourself/);
    assert.deepEqual(fs.readdirSync(victim).sort(), ["humble_sqlite3_0.db3", "metadata.yaml"]);

    const report = path.join(tmp.dir, "site");
    fs.mkdirSync(report);
    fs.writeFileSync(path.join(report, "index.html"), "<p>mine</p>");
    run = cli([input, "-o", path.join(tmp.dir, "fresh"), "--report", report, "--force", "--model", model]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /report .*site was not written by visualbackprop/);
    assert.equal(fs.readFileSync(path.join(report, "index.html"), "utf8"), "<p>mine</p>");
    assert.ok(!fs.existsSync(path.join(tmp.dir, "fresh")), "nothing written before the refusal");
  });

  it("refuses an output inside the bag directory of an input storage file, as for the directory", () => {
    const copy = path.join(tmp.dir, "copy");
    fs.cpSync(path.join(FIXTURES, "humble_mcap"), copy, { recursive: true });
    const run = cli([path.join(copy, "humble_mcap_0.mcap"), "-o", path.join(copy, "sub"), "--model", model]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /is the input bag .*copy or inside it/);
    assert.deepEqual(fs.readdirSync(copy).sort(), ["humble_mcap_0.mcap", "metadata.yaml"]);
  });

  it("refuses a bag with no frames on its camera topics: nothing to process", async () => {
    const input = path.join(tmp.dir, "empty");
    const writer = await createBagWriter(input, { registry: MessageRegistry.withBuiltins() });
    await writer.addTopic({ name: "/cam/image_raw", type: "sensor_msgs/msg/Image" });
    await writer.close();
    const run = cli([input, "-o", path.join(tmp.dir, "out"), "--model", model]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /empty: no frames on \/cam\/image_raw: nothing to process \(the bag holds 0 messages in all\)/,
    );
    assert.ok(!fs.existsSync(path.join(tmp.dir, "out")));
  });

  describe("damaged recordings: honest counts, the file named, what to do next", () => {
    /** A writable copy of a fixture bag with `change` applied to the bytes of its storage file. */
    function damaged(bag: string, change: (bytes: Buffer) => Buffer): string {
      const copy = path.join(tmp.dir, `${bag}-damaged`);
      fs.cpSync(path.join(FIXTURES, bag), copy, { recursive: true });
      const file = path.join(copy, `${bag}_0.${bag.includes("sqlite") ? "db3" : "mcap"}`);
      fs.chmodSync(file, 0o644);
      fs.writeFileSync(file, change(fs.readFileSync(file)));
      return copy;
    }

    it("a MCAP cut in half: what metadata.yaml lists minus what was read is lost", () => {
      const input = damaged("humble_mcap", (b) => b.subarray(0, b.length >> 1));
      const run = cli([input, "-o", path.join(tmp.dir, "out"), "--model", model]);
      assert.equal(run.status, 3, run.stderr);
      const [, lost, read] =
        /(\d+) input messages lost \((\d+) of the 30 metadata\.yaml lists were read\)/.exec(run.stdout) ?? [
          undefined,
          "",
          "",
        ];
      assert.ok(Number(lost) > 0 && Number(lost) + Number(read) === 30, run.stdout);
      assert.match(run.stdout, /truncated: humble_mcap_0\.mcap: file ends inside a chunk/);
    });

    it("a cut sqlite3 file: the error names the file and says how to salvage it", () => {
      const input = damaged("humble_sqlite3", (b) => b.subarray(0, b.length >> 1));
      const run = cli([input, "-o", path.join(tmp.dir, "out"), "--model", model]);
      assert.equal(run.status, 1);
      assert.match(
        run.stderr,
        /humble_sqlite3_0\.db3: the sqlite3 database is damaged or cut short \(database disk image is malformed\); sqlite3's \.recover/,
      );
    });

    it("a damaged zstd chunk is reported as damaged data, not as a compression failure", () => {
      const input = damaged("humble_mcap_zstd", (b) => {
        for (let i = 3000; i < 3040; i++) b[i] ^= 0x5a;
        return b;
      });
      const run = cli([input, "-o", path.join(tmp.dir, "out"), "--model", model]);
      assert.equal(run.status, 3, run.stderr);
      assert.match(
        run.stdout,
        /corrupt: humble_mcap_zstd_0\.mcap: chunk at offset \d+: zstd data does not decompress/,
      );
      assert.doesNotMatch(run.stdout + run.stderr, /Failed to compress/);
    });

    it("a garbage metadata.yaml: one printable line that points at the storage file", () => {
      const input = damaged("humble_mcap", (b) => b);
      fs.chmodSync(path.join(input, "metadata.yaml"), 0o644);
      fs.writeFileSync(
        path.join(input, "metadata.yaml"),
        Buffer.concat([
          Buffer.from("rosbag2_bagfile_information:\n  x: [\x01\x02 "),
          Buffer.from([0xff, 0xfe]),
          Buffer.from(" :\n ] : :\n"),
        ]),
      );
      const run = cli([input, "-o", path.join(tmp.dir, "out"), "--model", model]);
      assert.equal(run.status, 1);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      // eslint-disable-next-line no-control-regex -- checking that none reach the terminal
      assert.doesNotMatch(run.stderr, /[\u0000-\u0008\u000b-\u001f\ufffd]/);
      assert.match(
        run.stderr,
        /metadata\.yaml: not valid YAML.*pass .*humble_mcap_0\.mcap instead of the directory/,
      );
      const direct = cli([
        path.join(input, "humble_mcap_0.mcap"),
        "-o",
        path.join(tmp.dir, "out"),
        "--model",
        model,
      ]);
      assert.equal(direct.status, 0, direct.stderr);
    });
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
