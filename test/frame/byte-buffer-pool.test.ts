import assert from "node:assert/strict";
import { ByteBufferPool } from "../../src/frame/byte-buffer-pool";
import { imageToRgbFrame, type RawImage } from "../../src/image/encodings";
import type { ByteAllocator, RgbFrame } from "../../src/image/frame";
import { renderOverlayFromMono8 } from "../../src/image/overlay";
import { mapMaskToMono8, type PreprocessSpec } from "../../src/image/preprocess";

/** Buffers full of a value no kernel writes by chance: whatever a kernel leaves unwritten shows. */
const dirty: ByteAllocator = (length) => new Uint8Array(length).fill(0xa5);

function noise(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

describe("ByteBufferPool", () => {
  it("lends the buffers given back by an earlier lease, by length", () => {
    const pool = new ByteBufferPool();
    const first = pool.lease();
    const a = first.allocate(100);
    const b = first.allocate(300);
    assert.equal(first.lentCount, 2);
    first.release();
    assert.equal(pool.freeCount, 2);
    const second = pool.lease();
    assert.equal(second.allocate(300), b);
    assert.equal(second.allocate(100), a);
    assert.notEqual(second.allocate(100), a, "a buffer is lent to one holder at a time");
    second.release();
    assert.equal(pool.freeCount, 3);
  });

  it("keeps at most maxFreePerLength buffers of one length", () => {
    const pool = new ByteBufferPool(2);
    const lease = pool.lease();
    for (let i = 0; i < 5; i++) lease.allocate(10);
    lease.release();
    assert.equal(pool.freeCount, 2);
  });

  it("refuses use after release and a bad length, naming what was expected", () => {
    const pool = new ByteBufferPool();
    const lease = pool.lease();
    assert.throws(() => lease.allocate(-1), /buffer length must be a whole number >= 0, got -1/);
    assert.throws(() => lease.allocate(1.5), /got 1\.5/);
    lease.release();
    lease.release();
    assert.equal(pool.freeCount, 0);
    assert.throws(() => lease.allocate(4), /allocate after release/);
    assert.throws(() => new ByteBufferPool(-1), /maxFreePerLength must be a whole number >= 0, got -1/);
  });
});

describe("kernels writing into lent (dirty) buffers give the bytes of fresh ones", () => {
  const spec: PreprocessSpec = {
    crop: { x: 0.1, y: 0.425, width: 0.8, height: 0.45 },
    width: 200,
    height: 66,
    colorSpace: "yuv",
    layout: "nchw",
    scale: 1,
    bias: 0,
  };

  it("the mask map-back zeroes what lies outside the crop", () => {
    const values = noise(200 * 66, 7);
    const mask = { width: 200, height: 66, data: Float32Array.from(values, (v) => v / 255) };
    const fresh = mapMaskToMono8(mask, spec, 640, 480);
    const lent = mapMaskToMono8(mask, spec, 640, 480, dirty(640 * 480));
    assert.deepEqual(lent, fresh);
    assert.equal(fresh[0], 0, "the top-left corner lies outside the crop");
  });

  it("the overlay", () => {
    const frame: RgbFrame = { width: 64, height: 48, data: noise(64 * 48 * 3, 3) };
    const levels = noise(64 * 48, 5);
    const options = { colorMap: "jet" as const, opacity: 0.4 };
    assert.deepEqual(
      renderOverlayFromMono8(frame, levels, options, dirty(64 * 48 * 3)),
      renderOverlayFromMono8(frame, levels, options),
    );
  });

  it("the conversion of every packed and padded encoding", () => {
    const cases: RawImage[] = [
      { encoding: "rgb8", width: 5, height: 3, step: 15, data: noise(45, 1), is_bigendian: 0 },
      { encoding: "bgr8", width: 5, height: 3, step: 16, data: noise(48, 2), is_bigendian: 0 },
      { encoding: "mono8", width: 5, height: 3, step: 7, data: noise(21, 3), is_bigendian: 0 },
      { encoding: "yuv422", width: 4, height: 3, step: 9, data: noise(27, 4), is_bigendian: 0 },
      { encoding: "bgra8", width: 5, height: 3, step: 20, data: noise(60, 5), is_bigendian: 0 },
    ];
    for (const image of cases)
      assert.deepEqual(imageToRgbFrame(image, { allocate: dirty }), imageToRgbFrame(image), image.encoding);
  });
});
