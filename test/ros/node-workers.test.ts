import assert from "node:assert/strict";
import { IMAGE_OPS } from "../../src/frame/image-ops.js";
import type { ImageMsg } from "../../src/frame/message-types.js";
import { type Harness, startHarness } from "./harness.js";

const FRONT = "/cameras/front/image_raw";
const REAR = "/cameras/rear/image_raw";
const TOPICS = [FRONT, REAR];

/** A 40x30 rgb8 frame with gradients, so resizing, map-back and the blend all do real work. */
function structuredImage(seed: number, sec: number, frameId: string): ImageMsg {
  const width = 40;
  const height = 30;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 7 + seed * 31) & 255;
      data[i + 1] = (y * 9 + seed * 17) & 255;
      data[i + 2] = ((x ^ y) * 5 + seed) & 255;
    }
  return {
    header: { stamp: { sec, nanosec: 0 }, frame_id: frameId },
    height,
    width,
    encoding: "rgb8",
    is_bigendian: 0,
    step: width * 3,
    data,
  };
}

interface Outputs {
  readonly steering: number[];
  readonly images: { topic: string; sec: number; data: number[] }[];
}

/** Three rounds of both cameras, every output subscribed; what came out, in publish order. */
async function run(harness: Harness): Promise<Outputs> {
  const images: Outputs["images"] = [];
  for (const publisher of harness.node.publishers) {
    const publish = publisher.publish.bind(publisher);
    publisher.publish = (message: object) => {
      if (/\/(mask|overlay)$/.test(publisher.topic)) {
        const image = message as ImageMsg;
        images.push({ topic: publisher.topic, sec: image.header.stamp.sec, data: Array.from(image.data) });
      }
      publish(message);
    };
  }
  for (let round = 1; round <= 3; round++) {
    harness.deliver(FRONT, structuredImage(round, round, "front"));
    harness.deliver(REAR, structuredImage(round + 10, round, "rear"));
    await harness.tick(20);
    await harness.waitFor(() => images.length === round * 4);
  }
  const steering = TOPICS.flatMap((topic) =>
    harness.steering(topic.replace(/image_raw$/, "").replace("/cameras/", "/visualbackprop/") + "steering"),
  ).map((message) => message.curvature);
  return { steering, images };
}

describe("visualbackprop_node: image work in worker threads", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it("publishes the same steering, masks and overlays as on the event loop, each camera in order", async () => {
    const parameters = { image_topics: TOPICS, sync_window_ms: 10.0 };
    harness = await startHarness({ parameters, imageOps: IMAGE_OPS, frameThreads: 0 });
    const inline = await run(harness);
    await harness.stop();
    harness = await startHarness({ parameters, frameThreads: 2 });
    const workers = await run(harness);
    assert.equal(workers.steering.length, 6);
    assert.deepEqual(workers.steering, inline.steering);
    const key = (image: Outputs["images"][number]) => `${image.topic}@${image.sec}`;
    const byKey = new Map(inline.images.map((image) => [key(image), image.data]));
    assert.equal(workers.images.length, inline.images.length);
    for (const image of workers.images) assert.deepEqual(image.data, byKey.get(key(image)), key(image));
    for (const topic of new Set(workers.images.map((image) => image.topic))) {
      const seconds = workers.images.filter((image) => image.topic === topic).map((image) => image.sec);
      assert.deepEqual(seconds, [1, 2, 3], topic);
    }
  });

  it("drops a frame the worker cannot convert and carries on with the next", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] }, frameThreads: 1 });
    const bad = { ...structuredImage(1, 1, "front"), encoding: "bogus" };
    harness.deliver(FRONT, bad);
    await harness.tick(20);
    const steering = () => harness?.steering("/visualbackprop/front/steering") ?? [];
    harness.deliver(FRONT, structuredImage(2, 2, "front"));
    await harness.tick(20);
    await harness.waitFor(() => steering().length === 1);
    await harness.tick(20);
    assert.deepEqual(
      steering().map((message) => message.header.stamp.sec),
      [2],
    );
    assert.equal(harness.engine.calls.length, 1);
  });
});
