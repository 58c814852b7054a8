import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exportDataset } from "../../src/drive/export";
import { npyHeader } from "../../src/drive/npy";
import { HELD_OUT_SEEDS, TEST_SEED, TRAINING_SEEDS, isTrainingSeed } from "../../src/drive/seeds";

/** Reads a .npy 1.0 header: dtype string and shape. */
function readHeader(file: string): { descr: string; shape: number[]; offset: number } {
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.subarray(0, 6).toString("latin1"), "\x93NUMPY");
  const length = bytes[8] + 256 * bytes[9];
  const text = bytes.subarray(10, 10 + length).toString("latin1");
  const descr = /'descr': '([^']+)'/.exec(text)?.[1] ?? "";
  const shape = (/'shape': \(([^)]*)\)/.exec(text)?.[1] ?? "")
    .split(",")
    .filter((s) => s.trim())
    .map(Number);
  assert.equal((10 + length) % 64, 0);
  return { descr, shape, offset: 10 + length };
}

describe("drive/export", () => {
  it("writes preprocessed uint8 images and float32 labels", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-export-"));
    try {
      const summary = exportDataset({ outDir: dir, seeds: [1, 2], framesPerSeed: 3, augmentShare: 1 });
      assert.equal(summary.samples, 6);
      const images = readHeader(summary.imagesPath);
      assert.equal(images.descr, "|u1");
      assert.deepEqual(images.shape, [6, 3, 66, 200]);
      assert.equal(fs.statSync(summary.imagesPath).size, images.offset + 6 * 3 * 66 * 200);
      const labels = readHeader(summary.labelsPath);
      assert.equal(labels.descr, "<f4");
      assert.deepEqual(labels.shape, [6, 4]);
      const regions = readHeader(summary.regionsPath);
      assert.equal(regions.descr, "|u1");
      assert.deepEqual(regions.shape, [6, 66, 200]);
      const codes = fs.readFileSync(summary.regionsPath).subarray(regions.offset);
      assert.equal(codes.length, 6 * 66 * 200);
      assert.ok(codes.some((code) => code === 7 || code === 3) && codes.some((code) => code === 5));
      const raw = fs.readFileSync(summary.labelsPath).subarray(labels.offset);
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
      for (let i = 0; i < 6; i++)
        assert.ok(Math.abs(values[i * 4]) < 0.05 && Number.isFinite(values[i * 4 + 3]));
      const meta = JSON.parse(fs.readFileSync(summary.metaPath, "utf8")) as {
        preprocess: { colorSpace: string };
        seeds: number[];
        markingVariety: number;
        varietyMix: string;
      };
      assert.equal(meta.preprocess.colorSpace, "yuv");
      assert.deepEqual(meta.seeds, [1, 2]);
      assert.equal(meta.markingVariety, 0);
      assert.equal(meta.varietyMix, "lines");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses held-out seeds", () => {
    assert.throws(
      () => exportDataset({ outDir: os.tmpdir(), seeds: [1, HELD_OUT_SEEDS[0]], framesPerSeed: 1 }),
      /not a training seed/,
    );
    assert.throws(
      () => exportDataset({ outDir: os.tmpdir(), seeds: [], framesPerSeed: 1 }),
      /seeds is empty/,
    );
  });

  it("refuses an unknown variety mix, naming the known ones", () => {
    assert.throws(
      () =>
        exportDataset({ outDir: os.tmpdir(), seeds: [1], framesPerSeed: 1, varietyMix: "kerbs" as "lines" }),
      /varietyMix must be one of lines, shoulders, got kerbs/,
    );
  });

  it("keeps training and held-out seeds apart", () => {
    for (const seed of TRAINING_SEEDS) assert.ok(isTrainingSeed(seed));
    for (const seed of [...HELD_OUT_SEEDS, TEST_SEED]) assert.ok(!isTrainingSeed(seed));
    assert.ok(!isTrainingSeed("1"));
  });

  it("pads .npy headers to 64 bytes", () => {
    assert.equal(npyHeader("float32", [3]).length % 64, 0);
    assert.match(String.fromCharCode(...npyHeader("float32", [3]).subarray(10)), /'shape': \(3,\)/);
  });
});
