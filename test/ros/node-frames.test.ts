import assert from "node:assert/strict";
import { FakeParameter, ParameterType } from "./fake-rclnodejs";
import { type Harness, startHarness, statusValue } from "./harness";
import { rgbImage, STUB_IMAGE_OPS, STUB_SPEC, StubEngine } from "./stubs";

const FRONT = "/cameras/front/image_raw";
const REAR = "/cameras/rear/image_raw";

describe("visualbackprop_node: frames in, outputs out", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it("warms up every batch size before subscribing, and publishes and counts nothing for it", async () => {
    const engine = new StubEngine();
    harness = await startHarness({
      engine,
      warmUp: true,
      parameters: { image_topics: [FRONT, REAR, "/c/image_raw"] },
    });
    assert.deepEqual(
      engine.calls.map((call) => call.batch),
      [1, 2, 3],
      "one run per batch size the three cameras can make",
    );
    const info = harness.node.logger.info.getCalls().map((call) => String(call.args[0]));
    const warmed = info.findIndex((line) =>
      /^warmed up stubnet for batches of 1 to 3 frames in \d+ ms$/.test(line),
    );
    const opened = info.findIndex((line) => line.startsWith("model stubnet on cpu; cameras:"));
    assert.ok(
      warmed >= 0 && warmed < opened,
      `warm-up logged before the topics opened: ${JSON.stringify(info)}`,
    );
    await harness.tick(1000);
    assert.ok(
      harness.node.publishers.every(
        (publisher) => publisher.topic === "/diagnostics" || publisher.messages.length === 0,
      ),
      "nothing published for the warm-up",
    );
    const [array] = harness.diagnostics();
    assert.equal(statusValue(array, "camera front", "frames_received_total"), "0");
    assert.equal(statusValue(array, ": engine", "mean_batch_size"), "0");

    // The first real frame (after the sync window for the other cameras) is the fourth run.
    harness.deliver(FRONT, rgbImage({ sec: 7 }));
    await harness.tick(200);
    assert.equal(harness.steering("/visualbackprop/front/steering").length, 1);
    assert.equal(engine.calls.length, 4);
  });

  it("starts without the warm-up's runs when it fails, and says so", async () => {
    const engine = new StubEngine();
    engine.failWith = new Error("CUDA out of memory");
    harness = await startHarness({ engine, warmUp: true, parameters: { image_topics: [FRONT] } });
    assert.ok(
      harness.node.logger.warn.calledWith(
        "warming up stubnet failed, so its first frames will be slower: CUDA out of memory",
      ),
    );
    engine.failWith = undefined;
    harness.deliver(FRONT, rgbImage({ sec: 7 }));
    await harness.waitFor(() => harness!.steering("/visualbackprop/front/steering").length === 1);
  });

  it("publishes mask, overlay, steering and saliency with the camera's stamp and frame_id", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] } });
    harness.deliver(
      FRONT,
      rgbImage({ width: 16, height: 8, red: 51, sec: 1234, nanosec: 567, frameId: "front_optical" }),
    );
    await harness.tick(5);

    const mask = harness.images("~/front/mask");
    const overlay = harness.images("~/front/overlay");
    const steering = harness.steering("~/front/steering");
    const saliency = harness.saliency("~/front/saliency");
    assert.deepEqual([mask.length, overlay.length, steering.length, saliency.length], [1, 1, 1, 1]);
    for (const message of [mask[0], overlay[0], steering[0], saliency[0]]) {
      assert.deepEqual(message.header, { stamp: { sec: 1234, nanosec: 567 }, frame_id: "front_optical" });
    }

    // The mask at the camera's resolution, tightly packed.
    assert.deepEqual(
      [mask[0].encoding, mask[0].width, mask[0].height, mask[0].step, mask[0].data.length],
      ["mono8", 16, 8, 16, 128],
    );
    assert.deepEqual(
      [overlay[0].encoding, overlay[0].width, overlay[0].height, overlay[0].step, overlay[0].data.length],
      ["rgb8", 16, 8, 48, 384],
    );
    // The images go out serialised (drawn into their CDR messages), the small messages as objects;
    // the mask's levels are the stub engine's mask mapped onto the frame.
    const sentSerialised = (topic: string) => harness!.node.publisher(topic).serialised;
    assert.deepEqual(sentSerialised("~/front/mask"), [true]);
    assert.deepEqual(sentSerialised("~/front/overlay"), [true]);
    assert.deepEqual(sentSerialised("~/front/steering"), [false]);
    const stubMask = Float32Array.from({ length: 32 }, (_, i) => i / 31);
    assert.deepEqual(
      mask[0].data,
      STUB_IMAGE_OPS.mapMaskToMono8({ width: 8, height: 4, data: stubMask }, STUB_SPEC, 16, 8),
    );

    // The stub engine predicts red / 255 = 0.2 1/m; default wheelbase 2.85 m, ratio 15.
    assert.ok(Math.abs(steering[0].curvature - 0.2) < 1e-6);
    assert.ok(
      Math.abs(steering[0].steering_wheel_angle - Math.atan(2.85 * steering[0].curvature) * 15) < 1e-9,
    );
    assert.equal(steering[0].model_name, "stubnet");

    // The mask at the network's resolution, with the timing of the frame.
    assert.deepEqual(
      [saliency[0].method, saliency[0].width, saliency[0].height, saliency[0].mask.length],
      ["vbp", 8, 4, 32],
    );
    assert.ok(saliency[0].mask instanceof Float32Array);
    assert.equal(saliency[0].inference_ms, 1.5);
    assert.equal(saliency[0].frames_dropped, 0);
    assert.ok(Number.isFinite(saliency[0].total_ms) && Number.isFinite(saliency[0].visualbackprop_ms));
    assert.deepEqual(saliency[0].layers, []);
  });

  it("never shares the input's header objects with the outputs", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] } });
    const image = rgbImage({ sec: 7 });
    harness.deliver(FRONT, image);
    await harness.tick(5);
    image.header.stamp.sec = 99;
    assert.equal(harness.steering("~/front/steering")[0].header.stamp.sec, 7);
  });

  it("renders mask and overlay only while someone subscribes to them", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] }, subscribers: 0 });
    harness.deliver(FRONT, rgbImage({ sec: 1 }));
    await harness.tick(5);
    assert.equal(harness.images("~/front/mask").length, 0);
    assert.equal(harness.images("~/front/overlay").length, 0);
    assert.equal(harness.steering("~/front/steering").length, 1);
    assert.equal(harness.saliency("~/front/saliency").length, 1);

    harness.node.subscriberCounts.set("/visualbackprop/front/overlay", 1);
    harness.deliver(FRONT, rgbImage({ sec: 2 }));
    await harness.tick(5);
    assert.equal(harness.images("~/front/mask").length, 0);
    assert.equal(harness.images("~/front/overlay").length, 1);
  });

  it("under a fast camera keeps at most one frame waiting, takes the newest, and counts every drop", async () => {
    const engine = new StubEngine();
    engine.delayMs = 50; // the engine takes 50 ms, the camera sends every 10 ms
    harness = await startHarness({ engine, parameters: { image_topics: [FRONT] } });
    const sent = 100;
    for (let i = 0; i < sent; i++) {
      harness.deliver(FRONT, rgbImage({ sec: i }));
      await harness.tick(10);
    }
    await harness.tick(200);

    const saliency = harness.saliency("~/front/saliency");
    assert.ok(
      engine.calls.every((call) => call.batch === 1),
      "one camera: one frame per run",
    );
    assert.equal(saliency.length, engine.calls.length);
    assert.ok(saliency.length < sent / 3, `engine-bound: ${saliency.length} of ${sent} processed`);
    const dropped = saliency.reduce((sum, message) => sum + message.frames_dropped, 0);
    assert.equal(saliency.length + dropped, sent, "every frame is either processed or counted as dropped");
    const stamps = saliency.map((message) => message.header.stamp.sec);
    assert.deepEqual(
      stamps,
      [...stamps].sort((a, b) => a - b),
      "outputs stay in camera order",
    );
    assert.equal(stamps[stamps.length - 1], sent - 1, "the newest frame is the one processed last");
    // The frame taken after each run is the newest: at most one frame waited, the rest were dropped.
    for (let i = 1; i < stamps.length; i++)
      assert.equal(stamps[i] - stamps[i - 1] - 1, saliency[i].frames_dropped);
    assert.equal(harness.vbp.diagnostics.cameras[0].totals.dropped, dropped);
  });

  it("sends frames of two cameras that arrive within the sync window as one batch", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT, REAR], sync_window_ms: 10.0 } });
    harness.deliver(FRONT, rgbImage({ red: 51, sec: 1 }));
    await harness.tick(3);
    assert.equal(harness.engine.calls.length, 0, "waits for the other camera");
    harness.deliver(REAR, rgbImage({ red: 102, sec: 2 }));
    await harness.tick(5);
    assert.equal(harness.engine.calls.length, 1);
    assert.equal(harness.engine.calls[0].batch, 2);

    const front = harness.steering("~/front/steering");
    const rear = harness.steering("~/rear/steering");
    assert.deepEqual([front.length, rear.length], [1, 1]);
    assert.equal(front[0].header.stamp.sec, 1);
    assert.equal(rear[0].header.stamp.sec, 2);
    assert.ok(Math.abs(front[0].curvature - 0.2) < 1e-6, "each camera gets its own prediction");
    assert.ok(Math.abs(rear[0].curvature - 0.4) < 1e-6);

    // A camera alone goes after the window.
    harness.deliver(FRONT, rgbImage({ sec: 3 }));
    await harness.tick(5);
    assert.equal(harness.engine.calls.length, 1);
    await harness.tick(10);
    assert.deepEqual(
      harness.engine.calls.map((call) => call.batch),
      [2, 1],
    );
  });

  it("with a sync window of 0 sends each camera's frame at once", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT, REAR], sync_window_ms: 0.0 } });
    harness.deliver(FRONT, rgbImage({ sec: 1 }));
    await harness.tick(3);
    harness.deliver(REAR, rgbImage({ sec: 2 }));
    await harness.tick(3);
    assert.deepEqual(
      harness.engine.calls.map((call) => call.batch),
      [1, 1],
    );
  });

  it("throttles to max_rate_hz, set at run time, and counts the held-back frames as throttled, not as overload", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] } });
    harness.node.setParameters([new FakeParameter("max_rate_hz", ParameterType.PARAMETER_DOUBLE, 10.0)]);
    await harness.tick(1000); // start a clean diagnostics window
    for (let i = 0; i < 100; i++) {
      harness.deliver(FRONT, rgbImage({ sec: i }));
      await harness.tick(10);
    }
    const processed = harness.saliency("~/front/saliency").length;
    assert.ok(processed >= 9 && processed <= 11, `about 10 Hz over one second, got ${processed}`);
    const diagnostics = harness.diagnostics();
    const last = diagnostics[diagnostics.length - 1];
    assert.equal(statusValue(last, "camera front", "frames_dropped_busy"), "0");
    assert.ok(Number(statusValue(last, "camera front", "frames_dropped_throttled")) >= 85);
  });

  it("on shutdown lets the frame in flight finish and publish, then closes every topic and releases the engine", async () => {
    const engine = new StubEngine();
    engine.delayMs = 40;
    harness = await startHarness({ engine, parameters: { image_topics: [FRONT] } });
    harness.deliver(FRONT, rgbImage({ sec: 1 }));
    await harness.tick(10); // in flight
    harness.deliver(FRONT, rgbImage({ sec: 2 })); // waiting: discarded at shutdown
    const closing = harness.vbp.shutdown();
    harness.deliver(FRONT, rgbImage({ sec: 3 })); // after shutdown: ignored
    await harness.tick(100);
    await closing;

    assert.deepEqual(
      harness.saliency("~/front/saliency").map((message) => message.header.stamp.sec),
      [1],
    );
    assert.ok(harness.node.publishers.every((publisher) => publisher.destroyed));
    assert.ok(harness.node.subscriptions.every((subscription) => subscription.destroyed));
    assert.ok(harness.node.timers.every((timer) => timer.isCanceled()));
    assert.equal(engine.released, true);
    assert.equal(engine.calls.length, 1);
  });
});
