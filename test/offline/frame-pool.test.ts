import * as assert from "node:assert/strict";
import { createSerializer } from "../../src/bag/serializer-factory";
import { buildRgb8Image } from "../../src/frame/messages";
import { BufferPool } from "../../src/offline/buffer-pool";
import { createFramePool, defaultFrameThreads, defaultWriterThread } from "../../src/offline/frame-pool";
import type { FrameWorkSettings } from "../../src/offline/frame-work";
import { smallSpec } from "./helpers";

describe("offline/frame-pool: frame workers render into buffers that come back from the writer", () => {
  const width = 320;
  const height = 240;
  const settings: FrameWorkSettings = {
    modelName: "test",
    method: "vbp",
    preprocess: smallSpec({ x: 0, y: 0.5, width: 1, height: 0.5 }),
    inputSize: 3 * 20 * 8,
    colorMap: "jet",
    opacity: 0.5,
    geometry: { wheelbaseM: 2.85, steeringRatio: 15 },
    outputs: ["steering", "saliency", "mask", "overlay"],
  };
  const serializer = createSerializer();
  const message = (i: number): Uint8Array =>
    serializer.encode(
      "sensor_msgs/msg/Image",
      buildRgb8Image(
        { stamp: { sec: i, nanosec: 0 }, frame_id: "front" },
        { width, height, data: new Uint8Array(width * height * 3).fill(40 + i) },
      ),
    );
  const mask = (i: number) => ({
    width: 20,
    height: 8,
    data: Float32Array.from({ length: 160 }, (_, k) => ((k + i) % 160) / 159),
  });
  const clock = { preprocessMs: 0, inferenceMs: 0, arrivedAt: 0, engineDoneAt: 0 };

  it("by default, frame workers only on the cores the main thread and the writer thread leave", () => {
    // [cores, frame workers, writer thread]
    for (const [cores, workers, writer] of [
      [1, 0, false],
      [2, 0, true],
      [3, 1, true],
      [4, 2, true],
      [6, 4, true],
      [16, 4, true],
    ] as const) {
      assert.equal(defaultFrameThreads(cores), workers, `${cores} cores`);
      assert.equal(defaultWriterThread(cores), writer, `${cores} cores`);
    }
  });

  it("prepares a worker's share in the main thread until that worker has started", async () => {
    const buffers = new BufferPool();
    const pool = createFramePool(settings, 1, buffers);
    try {
      // Frame 0 is the worker's share, asked for before the worker can have loaded: the main
      // thread prepares and renders it (a worker hands back its copy of the message; it does not).
      assert.ok((await pool.prepare(0, false, message(0))).ok);
      assert.equal((await pool.render(0, mask(0), 0, clock, false)).ownCopy, undefined);
      await pool.started();
      // Frame 1, the worker's share too, now goes to the worker.
      assert.ok((await pool.prepare(1, false, message(1))).ok);
      const fromWorker = await pool.render(1, mask(1), 0, clock, false);
      assert.equal(fromWorker.ownCopy?.byteLength, message(1).byteLength);
    } finally {
      await pool.close();
    }
  });

  it("sends a worker written buffers of the lengths it rendered, and the frames come out the same", async () => {
    const buffers = new BufferPool();
    // One worker: frames 0 and 1 go to it, frame 2 to the main thread, and so on.
    const pool = createFramePool(settings, 1, buffers);
    try {
      await pool.started();
      const render = async (id: number) => {
        const prepared = await pool.prepare(id, false, message(id));
        assert.ok(prepared.ok);
        return (await pool.render(id, mask(id), 0, clock, false)).result.messages;
      };
      const first = await render(0);
      const rendered = [first.mask, first.overlay] as Uint8Array[];
      const copies = rendered.map((m) => m.slice());
      // As the writer thread does once it has written them.
      for (const m of rendered) buffers.give(m.buffer as ArrayBuffer);
      assert.equal(buffers.size, 2);
      // The same frame again, into those (stale) buffers: the worker takes both.
      const again = await render(1);
      assert.equal(buffers.size, 0, "both buffers went to the worker");
      const expected = await render(2); // the main thread's share, in fresh buffers
      assert.equal(again.mask?.byteLength, copies[0].byteLength);
      assert.equal(again.overlay?.byteLength, copies[1].byteLength);
      assert.notDeepEqual(again.overlay, copies[1], "frame 1 is another picture");
      // Frame 1 rendered by the worker into reused buffers, frame 2 by the main thread into new
      // ones: each matches the same frame rendered from scratch.
      const alone = createFramePool(settings, 0);
      for (const [id, got] of [
        [1, again],
        [2, expected],
      ] as const) {
        assert.ok((await alone.prepare(id, false, message(id))).ok);
        const fresh = (await alone.render(id, mask(id), 0, clock, false)).result.messages;
        assert.deepEqual(got.mask, fresh.mask, `frame ${id} mask`);
        assert.deepEqual(got.overlay, fresh.overlay, `frame ${id} overlay`);
      }
    } finally {
      await pool.close();
    }
  });
});
