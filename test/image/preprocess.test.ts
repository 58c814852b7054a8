import * as assert from "node:assert/strict";
import { RgbFrame } from "../../src/image/frame";
import {
  FULL_FRAME,
  mapMaskToFrame,
  preprocess,
  PreprocessSpec,
  specChannels,
  validatePreprocessSpec,
} from "../../src/image/preprocess";

const frameOf = (
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): RgbFrame => {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, data };
};
const spec = (over: Partial<PreprocessSpec>): PreprocessSpec => ({
  crop: FULL_FRAME,
  width: 4,
  height: 2,
  colorSpace: "rgb",
  layout: "nchw",
  scale: 1,
  bias: 0,
  ...over,
});
const close = (actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-3) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < tolerance, `value ${i}: ${actual[i]} != ${expected[i]}`);
  }
};

describe("preprocessing", () => {
  const frame = frameOf(4, 2, (x, y) => [x * 10, y * 100, 7]);

  it("passes a frame of the model's size through unchanged, planar (nchw)", () => {
    close(
      preprocess(frame, spec({})),
      [0, 10, 20, 30, 0, 10, 20, 30, 0, 0, 0, 0, 100, 100, 100, 100, 7, 7, 7, 7, 7, 7, 7, 7],
    );
  });

  it("interleaves for nhwc, swaps for bgr, and applies scale and bias", () => {
    const out = preprocess(frame, spec({ layout: "nhwc", colorSpace: "bgr", scale: 0.5, bias: -1 }));
    close(out.subarray(0, 6), [2.5, -1, -1, 2.5, -1, 4]);
  });

  it("converts to YUV as BT.601 full range (golden values)", () => {
    const red = frameOf(1, 1, () => [255, 0, 0]);
    const out = preprocess(red, spec({ width: 1, height: 1, colorSpace: "yuv" }));
    close(out, [76.245, 84.972, 255.5]);
    const gray = frameOf(1, 1, () => [128, 128, 128]);
    close(preprocess(gray, spec({ width: 1, height: 1, colorSpace: "yuv" })), [128, 128, 128]);
  });

  it("makes one channel for grey: a mono8 frame's bytes exactly, BT.601 luma for colour", () => {
    const mono = frameOf(4, 2, (x, y) => [x * 60 + y, x * 60 + y, x * 60 + y]);
    const out = preprocess(mono, spec({ colorSpace: "grey", scale: 0.5, bias: 1 }));
    assert.deepEqual(
      [...out],
      [0, 60, 120, 180, 1, 61, 121, 181].map((v) => v * 0.5 + 1),
    );
    const red = frameOf(1, 1, () => [255, 0, 0]);
    close(preprocess(red, spec({ width: 1, height: 1, colorSpace: "grey" })), [76.245]);
    assert.equal(specChannels(spec({ colorSpace: "grey" })), 1);
    assert.equal(specChannels(spec({ colorSpace: "yuv" })), 3);
  });

  it("crops by fractions of the frame", () => {
    const out = preprocess(
      frame,
      spec({ crop: { x: 0.5, y: 0.5, width: 0.5, height: 0.5 }, width: 2, height: 1 }),
    );
    close(out, [20, 30, 100, 100, 7, 7]);
  });

  it("keeps constant images constant and ramps linear when shrinking", () => {
    const ramp = frameOf(64, 8, (x) => [x * 4, 50, 50]);
    const out = preprocess(ramp, spec({ width: 16, height: 2 }));
    for (let x = 2; x < 15; x++) assert.ok(Math.abs(out[x] - out[x - 1] - 16) < 1e-3, `ramp step at ${x}`);
    for (let i = 32; i < 64; i++) assert.ok(Math.abs(out[i] - 50) < 1e-4);
  });

  it("maps a mask back through crop and resize, with zeros outside the crop", () => {
    const s = spec({ crop: { x: 0.25, y: 0.5, width: 0.5, height: 0.5 }, width: 4, height: 2 });
    const mapped = mapMaskToFrame({ width: 4, height: 2, data: new Float32Array(8).fill(0.75) }, s, 8, 4);
    // prettier-ignore
    close(mapped.data, [
      0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0.75, 0.75, 0.75, 0.75, 0, 0,
      0, 0, 0.75, 0.75, 0.75, 0.75, 0, 0,
    ], 1e-6);
    // A ramp across the mask lands left to right across the crop.
    const ramp = mapMaskToFrame(
      { width: 2, height: 1, data: Float32Array.of(0, 1) },
      spec({ width: 2, height: 1 }),
      2,
      1,
    );
    close(ramp.data, [0, 1], 1e-6);
  });

  it("names the field and the expected range in errors", () => {
    assert.throws(
      () => validatePreprocessSpec(spec({ crop: { x: 0.5, y: 0, width: 0.6, height: 1 } })),
      /preprocess.crop: expected a rectangle inside the frame/,
    );
    assert.throws(
      () => validatePreprocessSpec(spec({ colorSpace: "hsv" as "rgb" })),
      /preprocess.colorSpace: expected "rgb", "bgr", "yuv", "grey", got "hsv"/,
    );
    assert.throws(
      () => validatePreprocessSpec(spec({ width: 0 })),
      /preprocess.width: expected a positive integer, got 0/,
    );
    assert.throws(
      () => preprocess({ width: 2, height: 2, data: new Uint8Array(5) }, spec({})),
      /expected 12 bytes for 2x2 rgb8, got 5/,
    );
  });
});
