import * as assert from "node:assert/strict";
import { createSerializer } from "../../src/bag/serializer-factory";
import type { PreprocessSpec } from "../../src/image/preprocess";
import { BufferPool } from "../../src/offline/buffer-pool";
import { buildFrameOutputs, type MessageMaker, type OutputSettings } from "../../src/offline/frame-outputs";
import { smallSpec } from "./helpers";

describe("offline/frame-outputs: a frame's messages, rendered into reused buffers", () => {
  const serializer = createSerializer();
  const width = 64;
  const height = 48;
  const frame = {
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 31 + 7) % 256),
  };
  const mask = {
    width: 20,
    height: 8,
    data: Float32Array.from({ length: 160 }, (_, i) => ((i * 13) % 160) / 159),
  };
  const header = { stamp: { sec: 12, nanosec: 345 }, frame_id: "front" };
  const timing = () => ({ preprocessMs: 1, inferenceMs: 2, visualBackPropMs: 3, totalMs: 4 });
  const spec = smallSpec;
  const settings = (preprocess: PreprocessSpec): OutputSettings => ({
    modelName: "test",
    method: "vbp",
    preprocess,
    geometry: { wheelbaseM: 2.85, steeringRatio: 15 },
    colorMap: "jet",
    opacity: 0.5,
    outputs: ["steering", "saliency", "mask", "overlay"],
  });
  const fresh: MessageMaker = { serializer, allocate: (n) => new Uint8Array(n) };
  // A buffer back from the writer holds the last frame's bytes: here, bytes no render would write.
  const stale: MessageMaker = { serializer, allocate: (n) => new Uint8Array(n).fill(0xa5) };

  // The crops leave parts of the frame the model never saw: the mask must be 0 there, not stale.
  for (const crop of [
    { x: 0, y: 0, width: 1, height: 1 },
    { x: 0.1, y: 0.4, width: 0.8, height: 0.5 },
  ]) {
    it(`writes every byte of the mask and the overlay (crop ${JSON.stringify(crop)})`, () => {
      const s = settings(spec(crop));
      const expected = buildFrameOutputs(fresh, s, header, frame, mask, 0.01, timing);
      const reused = buildFrameOutputs(stale, s, header, frame, mask, 0.01, timing);
      for (const kind of ["steering", "saliency", "mask", "overlay"] as const) {
        assert.ok(expected.messages[kind] !== undefined, kind);
        assert.deepEqual(reused.messages[kind], expected.messages[kind], kind);
      }
      if (crop.width < 1) assert.ok(expected.messages.mask?.includes(0), "the crop leaves zeros in the mask");
    });
  }

  it("takes the mask's and the overlay's buffers from a pool, which gets them back once written", () => {
    const pool = new BufferPool();
    const big = { ...frame, width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(90) };
    const maker: MessageMaker = { serializer, allocate: (n) => pool.allocate(n) };
    const s = settings(spec({ x: 0, y: 0.5, width: 1, height: 0.5 }));
    const first = buildFrameOutputs(maker, s, header, big, mask, 0, timing);
    const mono = first.messages.mask as Uint8Array;
    const rgb = first.messages.overlay as Uint8Array;
    // Whole buffers of their own, so the writer can hand them back.
    for (const message of [mono, rgb]) assert.equal(message.byteLength, message.buffer.byteLength);
    const copies = [mono.slice(), rgb.slice()];
    pool.give(mono.buffer as ArrayBuffer);
    pool.give(rgb.buffer as ArrayBuffer);
    const second = buildFrameOutputs(maker, s, header, big, mask, 0, timing);
    assert.equal(pool.size, 0, "both buffers taken again");
    assert.equal(second.messages.mask?.buffer, mono.buffer);
    assert.equal(second.messages.overlay?.buffer, rgb.buffer);
    assert.deepEqual([second.messages.mask, second.messages.overlay], copies);
  });
});
