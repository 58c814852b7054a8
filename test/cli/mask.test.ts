import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { encodeNpy, parseNpy } from "../../src/npy";
import { maxAbsDiff } from "../support/arrays";
import { goldenPilotNet as golden, jsonLines, runCli as cli, runGoldenMask } from "../support/cli";
import { tempDir } from "../support/paths";

describe("visualbackprop mask", () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => remove());

  it("takes a .npy tensor as it is and writes masks that match the reference", () => {
    const run = runGoldenMask(dir, [golden("input.npy")]);
    assert.equal(run.status, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => l.index),
      [0, 1, 2],
    );
    for (const line of lines) {
      assert.equal(line.provider, "cpu");
      assert.equal(typeof line.forwardMs, "number");
      assert.equal(typeof line.visualbackpropMs, "number");
      assert.ok(fs.existsSync(line.mask as string) && fs.existsSync(line.overlay as string));
    }
    const expectedOutputs = parseNpy(fs.readFileSync(golden("outputs.npy")));
    const outputs = lines.map((l) => (l.outputs as Record<string, number[]>).output[0]);
    assert.ok(maxAbsDiff(outputs, expectedOutputs.data) < 1e-4);
    const masks = parseNpy(fs.readFileSync(path.join(dir, "pilotnet.input.mask.npy")));
    assert.deepEqual(masks.shape, [3, 66, 200]);
    assert.ok(maxAbsDiff(masks.data, parseNpy(fs.readFileSync(golden("mask.npy"))).data) < 1e-4);
  });

  it("preprocesses an image and maps the mask back onto it", async () => {
    const image = path.join(dir, "road.png");
    const pixels = Buffer.alloc(320 * 240 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;
    await sharp(pixels, { raw: { width: 320, height: 240, channels: 3 } })
      .png()
      .toFile(image);
    const out = path.join(dir, "out");
    const run = runGoldenMask(out, [image], ["--layers"]);
    assert.equal(run.status, 0, run.stderr);
    const mask = await sharp(path.join(out, "road.mask.png")).metadata();
    const overlay = await sharp(path.join(out, "road.overlay.png")).metadata();
    assert.deepEqual([mask.width, mask.height, mask.channels], [320, 240, 1]);
    assert.deepEqual([overlay.width, overlay.height, overlay.channels], [320, 240, 3]);
    const deepest = await sharp(path.join(out, "road.layer0.png")).metadata();
    assert.deepEqual([deepest.width, deepest.height], [18, 1]);
  });

  it("names the expected shape for a tensor of the wrong shape", () => {
    const bad = path.join(dir, "bad.npy");
    fs.writeFileSync(bad, encodeNpy({ shape: [1, 3, 64, 64], data: new Float32Array(3 * 64 * 64) }));
    const run = runGoldenMask(dir, [bad]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /tensor '.*bad\.npy' has shape \(1, 3, 64, 64\) of Float32Array; expected float32 \(N, 3, 66, 200\)/,
    );
  });

  it("fails clearly on a missing or corrupt model and an unreadable image", () => {
    const image = path.join(dir, "broken.png");
    fs.writeFileSync(image, "not a png");
    const missing = cli(["mask", "--model", path.join(dir, "none.onnx"), "--out", dir, image]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /model '.*none\.onnx' does not exist/);
    const corrupt = path.join(dir, "corrupt.onnx");
    fs.writeFileSync(corrupt, "garbage");
    const bad = cli(["mask", "--model", corrupt, "--out", dir, golden("input.npy")]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /corrupt\.onnx.* is not a valid ONNX file/);
    const unreadable = runGoldenMask(dir, [image]);
    assert.equal(unreadable.status, 1);
    assert.match(unreadable.stderr, /image '.*broken\.png' could not be read/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["broken.png", "corrupt.onnx"]);
  });

  it("never writes over an input, and over an existing output only with --force", async () => {
    const image = path.join(dir, "x.png");
    await sharp({ create: { width: 40, height: 30, channels: 3, background: "#808080" } })
      .png()
      .toFile(image);
    const lookalike = path.join(dir, "x.mask.png");
    fs.copyFileSync(image, lookalike);
    const before = fs.readFileSync(lookalike);
    const run = runGoldenMask(dir, [image, lookalike], ["--force"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /refusing to write '.*x\.mask\.png': it is one of the inputs/);
    assert.deepEqual(fs.readFileSync(lookalike), before);

    const out = path.join(dir, "out");
    assert.equal(runGoldenMask(out, [image]).status, 0);
    const again = runGoldenMask(out, [image]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /x\.mask\.png' already exists; pass --force to overwrite it/);
    assert.equal(runGoldenMask(out, [image], ["--force"]).status, 0);
  });

  it("explains a bad command line with exit code 2", () => {
    const run = cli(["mask", golden("input.npy")]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--out DIR is required/);
    assert.equal(cli(["frobnicate"]).status, 2);
  });
});
