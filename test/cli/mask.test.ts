import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { encodeNpy, parseNpy } from "../../src/npy";
import { buildCnn } from "../../src/onnx/cnn-builder";
import { maxAbsDiff } from "../support/arrays";
import { goldenPilotNet as golden, jsonLines, runCli as cli, runGoldenMask } from "../support/cli";
import { REPO_ROOT, tempDir } from "../support/paths";

describe("visualbackprop mask", () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => remove());

  it("takes a .npy tensor as it is and writes masks that match the reference", () => {
    const run = runGoldenMask(dir, [golden("input.npy")], ["--timing"]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, "", "nothing on stderr: no provider warning for auto, no native log lines");
    const lines = jsonLines(run.stdout);
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => l.index),
      [0, 1, 2],
    );
    for (const line of lines) {
      assert.equal(line.provider, "cpu");
      assert.ok((line.forwardMs as number) > 0, "the forward pass is timed warm, over repeats");
      assert.equal(typeof line.visualbackpropMs, "number");
      assert.match(line.timing as string, /median of 10 runs after 2 warm-up, batch 3, per image/);
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
    fs.writeFileSync(path.join(dir, "empty.png"), "");
    assert.match(
      runGoldenMask(dir, [path.join(dir, "empty.png")]).stderr,
      /input '.*empty\.png' is empty \(0 bytes\)/,
    );
    assert.match(runGoldenMask(dir, [dir]).stderr, /input '.*' is a directory; give image or \.npy files/);
    const asOut = runGoldenMask(path.join(dir, "corrupt.onnx"), [golden("input.npy")]);
    assert.equal(asOut.status, 1);
    assert.match(asOut.stderr, /--out '.*corrupt\.onnx' exists and is not a directory/);
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

  it("--force overwrites only files it wrote: another file with an output's name is refused and kept", async () => {
    const image = path.join(dir, "x.png");
    await sharp({ create: { width: 40, height: 30, channels: 3, background: "#808080" } })
      .png()
      .toFile(image);
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    const theirs = path.join(out, "x.overlay.png");
    fs.writeFileSync(theirs, "someone else's picture");
    let run = runGoldenMask(out, [image], ["--force"]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /refusing to overwrite '.*out\/x\.overlay\.png': visualbackprop did not write it \(it is not listed in .*out\/\.visualbackprop-files\); --force replaces only this tool's own outputs/,
    );
    assert.equal(fs.readFileSync(theirs, "utf8"), "someone else's picture");
    assert.deepEqual(fs.readdirSync(out), ["x.overlay.png"], "nothing written");

    // Its own outputs are replaced, again and again; one edited since is not.
    fs.rmSync(theirs);
    assert.equal(runGoldenMask(out, [image]).status, 0);
    assert.equal(runGoldenMask(out, [image], ["--force"]).status, 0);
    run = runGoldenMask(out, [image], ["--force"]);
    assert.equal(run.status, 0, run.stderr);
    const record = fs.readFileSync(path.join(out, ".visualbackprop-files"), "utf8").trim().split("\n");
    assert.deepEqual(record.map((line) => JSON.parse(line).file).sort(), ["x.mask.png", "x.overlay.png"]);
    fs.appendFileSync(path.join(out, "x.mask.png"), "edited");
    const edited = fs.readFileSync(path.join(out, "x.mask.png"));
    run = runGoldenMask(out, [image], ["--force"]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /refusing to overwrite '.*x\.mask\.png': it was changed since visualbackprop wrote it/,
    );
    assert.deepEqual(fs.readFileSync(path.join(out, "x.mask.png")), edited);
  });

  /** A single-channel CNN (N, 1, 47, 63), written to `dir`, with a spec file when one is given. */
  function greyModel(spec?: object): string {
    const model = path.join(dir, "grey.onnx");
    fs.writeFileSync(
      model,
      buildCnn({
        channels: 1,
        height: 47,
        width: 63,
        layers: [
          { conv: { out: 4, kernel: 3, stride: 2 } },
          { relu: true },
          { conv: { out: 4, kernel: 3 } },
          { relu: true },
        ],
        head: [1],
        seed: 3,
      }),
    );
    if (spec !== undefined) fs.writeFileSync(path.join(dir, "grey.json"), JSON.stringify(spec));
    return model;
  }

  it("feeds a tensor of any channel count as it is", () => {
    const model = greyModel();
    const tensor = path.join(dir, "one.npy");
    const data = new Float32Array(2 * 47 * 63).map((_, i) => (i * 13) % 255);
    fs.writeFileSync(tensor, encodeNpy({ shape: [2, 1, 47, 63], data }));
    const run = cli(["mask", "--model", model, "--provider", "cpu", "--out", path.join(dir, "out"), tensor]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(jsonLines(run.stdout).length, 2);
    assert.deepEqual(parseNpy(fs.readFileSync(path.join(dir, "out", "one.mask.npy"))).shape, [2, 47, 63]);
  });

  it("feeds images to a single-channel model through the grey colour space", async () => {
    const spec = {
      input: "input",
      output: "output",
      preprocess: {
        crop: { x: 0, y: 0, width: 1, height: 1 },
        width: 63,
        height: 47,
        colorSpace: "grey",
        layout: "nchw",
        scale: 1,
        bias: 0,
      },
    };
    const model = greyModel(spec);
    const image = path.join(dir, "grey.png");
    await sharp({ create: { width: 126, height: 94, channels: 3, background: "#406080" } })
      .png()
      .toFile(image);
    let run = cli(["mask", "--model", model, "--provider", "cpu", "--out", path.join(dir, "out"), image]);
    assert.equal(run.status, 0, run.stderr);
    const mask = await sharp(path.join(dir, "out", "grey.mask.png")).metadata();
    assert.deepEqual([mask.width, mask.height], [126, 94]);

    // An RGB spec for a one-channel model says what is wrong and how to fix it.
    fs.writeFileSync(
      path.join(dir, "grey.json"),
      JSON.stringify({ ...spec, preprocess: { ...spec.preprocess, colorSpace: "rgb" } }),
    );
    run = cli(["mask", "--model", model, "--provider", "cpu", "--out", path.join(dir, "out2"), image]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /image '.*grey\.png': the spec's colorSpace "rgb" makes 3 channels, the model takes 1 \(use "colorSpace": "grey"/,
    );
  });

  it("refuses a tensor holding NaN or infinity, naming the file and the first bad index", () => {
    for (const [value, shown] of [
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      [-Infinity, "-Infinity"],
    ] as const) {
      const data = new Float32Array(2 * 3 * 66 * 200);
      data[66 * 200 * 3 + 2 * 200 * 66 + 5 * 200 + 7] = value;
      const bad = path.join(dir, "bad.npy");
      fs.writeFileSync(bad, encodeNpy({ shape: [2, 3, 66, 200], data }));
      const run = runGoldenMask(path.join(dir, "out"), [bad]);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        new RegExp(
          `tensor '.*bad\\.npy' holds ${shown} at index \\[1, 2, 5, 7\\] \\(the first non-finite value\\)`,
        ),
      );
      assert.ok(!fs.existsSync(path.join(dir, "out")), "nothing written");
    }
  });

  it("fails, naming the input, when finite values still give a non-finite output (overflow)", () => {
    const huge = path.join(dir, "huge.npy");
    fs.writeFileSync(
      huge,
      encodeNpy({ shape: [1, 3, 66, 200], data: new Float32Array(3 * 66 * 200).fill(3e38) }),
    );
    const run = runGoldenMask(path.join(dir, "out"), [huge]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /gave a NaN or infinite (output '.*'|mask) for '.*huge\.npy' image 0, whose values are all finite/,
    );
  });

  it("writes nothing when a later batch gives a non-finite output: every batch is checked first", () => {
    const data = new Float32Array(2 * 3 * 66 * 200);
    data.fill(3e38, 3 * 66 * 200);
    const mixed = path.join(dir, "mixed.npy");
    fs.writeFileSync(mixed, encodeNpy({ shape: [2, 3, 66, 200], data }));
    const out = path.join(dir, "out");
    const run = runGoldenMask(out, [mixed], ["--batch", "1"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /gave a NaN or infinite (output '.*'|mask) for '.*mixed\.npy' image 1,/);
    assert.equal(run.stdout, "");
    assert.ok(!fs.existsSync(out), "no file of the first batch, not even the folder");
  });

  it("refuses a tensor with no images (N = 0)", () => {
    const empty = path.join(dir, "empty.npy");
    fs.writeFileSync(empty, encodeNpy({ shape: [0, 3, 66, 200], data: new Float32Array(0) }));
    const run = runGoldenMask(path.join(dir, "out"), [empty]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /tensor '.*empty\.npy' holds no images \(shape \(0, 3, 66, 200\)\); expected N >= 1/,
    );
  });

  it("warns once per run about frames whose aspect ratio is not the spec's, and still writes masks", async () => {
    const shipped = path.join(REPO_ROOT, "models", "pilotnet.onnx");
    const inputs: string[] = [];
    for (const [name, width, height] of [
      ["wide", 800, 8],
      ["dot", 1, 1],
      ["fine", 64, 48],
    ] as const) {
      const file = path.join(dir, `${name}.png`);
      await sharp({ create: { width, height, channels: 3, background: "#808080" } })
        .png()
        .toFile(file);
      inputs.push(file);
    }
    const run = cli([
      "mask",
      "--model",
      shipped,
      "--provider",
      "cpu",
      "--out",
      path.join(dir, "out"),
      ...inputs,
    ]);
    assert.equal(run.status, 0, run.stderr);
    const warnings = run.stderr.split("\n").filter((l) => l.includes("aspect ratio"));
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(
      warnings[0],
      /image '.*wide\.png': a 800x8 frame has aspect ratio 100\.000, the model 'pilotnet' was made for 640x480 \(1\.333\)/,
    );
    assert.equal(jsonLines(run.stdout).length, 3);
  });

  it("auto says nothing about providers it did not find, and --verbose says which it chose", () => {
    const image = golden("input.npy");
    let run = cli(["mask", "--model", golden("onnx"), "--out", path.join(dir, "a"), image]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, "");
    run = cli(["mask", "--model", golden("onnx"), "--verbose", "--out", path.join(dir, "b"), image]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^visualbackprop: provider auto: using '(cpu|cuda)'/);
  });

  it("--provider webgpu that cannot run here: our one line, no native library output", () => {
    const run = cli([
      "mask",
      "--model",
      golden("onnx"),
      "--provider",
      "webgpu",
      "--out",
      dir,
      golden("input.npy"),
    ]);
    assert.equal(run.status, 0, run.stderr);
    const provider = jsonLines(run.stdout)[0].provider;
    if (provider === "webgpu") return; // a machine with a GPU adapter runs it
    assert.match(
      run.stderr,
      /^visualbackprop: execution provider 'webgpu' (is not installed|failed to load) \(.*\); falling back to 'cpu'\n$/,
    );
    assert.doesNotMatch(run.stderr, /\.(cc|cpp):\d+/, "no C++ source lines");
  });

  it("explains a bad command line with exit code 2", () => {
    const run = cli(["mask", golden("input.npy")]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--out DIR is required/);
    assert.equal(cli(["frobnicate"]).status, 2);
  });
});
