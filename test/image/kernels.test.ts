import * as assert from "node:assert/strict";
import { SyntheticDrive } from "../../src/drive/drive";
import { HELD_OUT_SEEDS } from "../../src/drive/seeds";
import { loadModel } from "../../src/frame/model-loader";
import { DEFAULT_MODEL } from "../../src/cli/package-paths";
import type { RgbFrame } from "../../src/image/frame";
import { maskToMono8, renderOverlayFromMono8 } from "../../src/image/overlay";
import { mapMaskToFrame, mapMaskToMono8, preprocess, type PreprocessSpec } from "../../src/image/preprocess";
import { loadModelSpec } from "../../src/engine/model-spec";
import { maxAbsDiff } from "../support/arrays";
import {
  referenceMapMaskToFrame,
  referenceMaskToMono8,
  referenceOverlayFromMono8,
  referencePreprocess,
} from "./reference-kernels";
import { assertInputClose, assertLevelsClose } from "./tolerance";

describe("fast image kernels against the reference implementation, on real frames and masks", function () {
  this.timeout(60_000);
  const spec: PreprocessSpec = loadModelSpec(DEFAULT_MODEL).preprocess;
  const drive = new SyntheticDrive({ seed: HELD_OUT_SEEDS[0], width: 640, height: 480, rateHz: 30 });
  const frames: RgbFrame[] = [0, 37, 111].map((i) => drive.frame(i).image);
  const masks: Float32Array[] = [];

  before(async () => {
    const model = await loadModel({ modelPath: DEFAULT_MODEL, provider: "cpu" });
    try {
      const { channels, height, width } = model.engine.inputShape;
      const input = new Float32Array(frames.length * channels * height * width);
      frames.forEach((frame, i) => referencePreprocess(frame, spec, input, i * channels * height * width));
      const result = await model.engine.run(input, frames.length);
      const size = result.width * result.height;
      for (let i = 0; i < frames.length; i++) masks.push(result.masks.slice(i * size, (i + 1) * size));
    } finally {
      await model.engine.release();
    }
  });

  const variants: PreprocessSpec[] = [
    spec,
    { ...spec, colorSpace: "rgb", layout: "nhwc", scale: 1 / 127.5, bias: -1 },
    { ...spec, colorSpace: "bgr", crop: { x: 0.1, y: 0.3, width: 0.75, height: 0.5 }, width: 96, height: 48 },
    // Upscaling (a crop smaller than the model input).
    { ...spec, crop: { x: 0.4, y: 0.4, width: 0.1, height: 0.1 }, width: 100, height: 80 },
  ];

  it("preprocess gives the reference's tensor within float32 rounding, for every colour space and layout", () => {
    for (const variant of variants) {
      for (const frame of frames) {
        const size = variant.width * variant.height * 3;
        const expected = referencePreprocess(frame, variant, new Float32Array(size + 7).fill(-5), 7);
        const actual = preprocess(frame, variant, new Float32Array(size + 7).fill(-5), 7);
        assert.deepEqual(actual.subarray(0, 7), expected.subarray(0, 7));
        assertInputClose(actual, expected, variant.scale, JSON.stringify(variant));
      }
    }
  });

  it("the model steers and looks the same on the kernels' tensor as on the reference's", async () => {
    // What the float32 rounding of the input could change: the outputs, far below anything a
    // driver or a picture shows.
    const model = await loadModel({ modelPath: DEFAULT_MODEL, provider: "cpu" });
    try {
      const { channels, height, width } = model.engine.inputShape;
      const size = channels * height * width;
      const fast = new Float32Array(frames.length * size);
      const reference = new Float32Array(frames.length * size);
      frames.forEach((frame, i) => {
        preprocess(frame, spec, fast, i * size);
        referencePreprocess(frame, spec, reference, i * size);
      });
      assert.notDeepEqual(fast, reference, "the kernels round differently, or this test shows nothing");
      const a = await model.engine.run(fast, frames.length);
      const b = await model.engine.run(reference, frames.length);
      const output = model.outputName;
      const steering = maxAbsDiff(a.outputs[output].data, b.outputs[output].data);
      const range = Math.max(...Array.from(b.outputs[output].data, Math.abs));
      assert.ok(steering <= 1e-5 * range, `steering differs by ${steering} (outputs up to ${range})`);
      assert.ok(maxAbsDiff(a.masks, b.masks) <= 1e-4, "masks within 1e-4");
    } finally {
      await model.engine.release();
    }
  });

  it("maps masks back onto the frame as the reference does, and to mono8 within one level", () => {
    assert.ok(masks.length === frames.length && masks[0].some((v) => v > 0.5), "the model gave real masks");
    for (const variant of [spec, { ...spec, crop: { x: 0.05, y: 0.2, width: 0.9, height: 0.55 } }]) {
      for (const data of masks) {
        const mask = { width: spec.width, height: spec.height, data };
        const floats = mapMaskToFrame(mask, variant, 640, 480);
        assert.deepEqual(floats, referenceMapMaskToFrame(mask, variant, 640, 480));
        const levels = mapMaskToMono8(mask, variant, 640, 480);
        const expected = referenceMaskToMono8(referenceMapMaskToFrame(mask, variant, 640, 480));
        assertLevelsClose(levels, expected, JSON.stringify(variant.crop));
        assert.deepEqual(maskToMono8(floats), expected);
      }
    }
  });

  it("renders the overlay byte for byte as the reference does", () => {
    frames.forEach((frame, i) => {
      const levels = mapMaskToMono8(
        { width: spec.width, height: spec.height, data: masks[i] },
        spec,
        640,
        480,
      );
      for (const options of [
        { colorMap: "jet" as const, opacity: 0.5 },
        { colorMap: "inferno" as const, opacity: 0.8 },
      ]) {
        assert.deepEqual(
          renderOverlayFromMono8(frame, levels, options).data,
          referenceOverlayFromMono8(frame, levels, options).data,
        );
      }
    });
  });

  it("writes the mask and the overlay into given buffers, the same bytes as into new ones", () => {
    const variant = { ...spec, crop: { x: 0.05, y: 0.2, width: 0.9, height: 0.55 } };
    const mask = { width: spec.width, height: spec.height, data: masks[0] };
    const target = new Uint8Array(640 * 480).fill(77);
    const levels = mapMaskToMono8(mask, variant, 640, 480, target);
    assert.equal(levels, target);
    assert.deepEqual(
      levels,
      mapMaskToMono8(mask, variant, 640, 480),
      "outside the crop is 0, not what was there",
    );
    const options = { colorMap: "jet" as const, opacity: 0.5 };
    const into = new Uint8Array(640 * 480 * 3);
    const overlay = renderOverlayFromMono8(frames[0], levels, options, into);
    assert.equal(overlay.data, into);
    assert.deepEqual(into, renderOverlayFromMono8(frames[0], levels, options).data);
    assert.throws(() => mapMaskToMono8(mask, variant, 640, 480, new Uint8Array(10)), /640x480 target/);
    assert.throws(
      () => renderOverlayFromMono8(frames[0], levels, options, new Uint8Array(10)),
      /target of 921600/,
    );
  });

  it("blends any opacity, a pixel count not a multiple of four, and a frame not aligned to words", () => {
    const width = 7;
    const height = 5;
    const bytes = new Uint8Array(width * height * 3 + 1);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 97 + 13) & 255;
    const levels = Uint8Array.from({ length: width * height }, (_, i) => (i * 41) & 255);
    for (const data of [bytes.subarray(0, width * height * 3), bytes.subarray(1)]) {
      const frame = { width, height, data };
      for (const opacity of [0, 0.25, 0.5, 1]) {
        const options = { colorMap: "turbo" as const, opacity };
        assert.deepEqual(
          renderOverlayFromMono8(frame, levels, options).data,
          referenceOverlayFromMono8(frame, levels, options).data,
        );
      }
    }
  });

  it("quantises edge values as the reference does (clamping, rounding, NaN)", () => {
    const data = Float32Array.from([-1, 0, 0.5 / 255, 1.5 / 255, 0.5, 254.5 / 255, 1, 2, NaN, Infinity]);
    const image = { width: data.length, height: 1, data };
    assert.deepEqual(maskToMono8(image), referenceMaskToMono8(image));
  });
});
