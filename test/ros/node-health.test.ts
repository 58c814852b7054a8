import assert from "node:assert/strict";
import sharp from "sharp";
import { DiagnosticLevel } from "../../src/frame/messages";
import { StartupError, VisualBackPropNode } from "../../src/ros/node";
import { createFakeRcl, OWN_TYPES, STANDARD_TYPES } from "./fake-rclnodejs";
import { type Harness, overrides, startHarness, status, statusValue } from "./harness";
import { rgbImage, STUB_IMAGE_OPS, StubEngine, stubLoader, stubModel } from "./stubs";

const FRONT = "/cameras/front/image_raw";
const REAR = "/cameras/rear/image_raw";

describe("visualbackprop_node: diagnostics", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it("publishes rates, drop ratio, latency percentiles, provider and model once a second", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] } });
    harness.node.clock = { sec: 500, nanosec: 25 };
    for (let i = 0; i < 30; i++) {
      harness.deliver(FRONT, rgbImage({ sec: i }));
      await harness.tick(33);
    }
    await harness.tick(1000 - 30 * 33);
    const arrays = harness.diagnostics();
    assert.equal(arrays.length, 1);
    const array = arrays[0];
    assert.deepEqual(array.header.stamp, { sec: 500, nanosec: 25 });

    const engine = status(array, ": engine");
    assert.equal(engine.level, DiagnosticLevel.OK);
    assert.equal(statusValue(array, ": engine", "provider"), "cpu");
    assert.equal(statusValue(array, ": engine", "model"), "stubnet");

    const camera = status(array, "camera front");
    assert.equal(camera.name, "/visualbackprop: camera front");
    assert.equal(camera.level, DiagnosticLevel.OK, camera.message);
    assert.equal(camera.hardware_id, FRONT);
    const value = (key: string): number => Number(statusValue(array, "camera front", key));
    assert.equal(value("input_rate_hz"), 30);
    assert.equal(value("output_rate_hz"), 30);
    assert.equal(value("drop_ratio"), 0);
    for (const key of ["latency_p50_ms", "latency_p99_ms"]) assert.ok(Number.isFinite(value(key)), key);
    assert.equal(value("frames_processed_total"), 30);
  });

  it("reports the main thread's delay in the engine's status, each window its own, and stops measuring on shutdown", async () => {
    const windows = [
      { p99Ms: 12.345, maxMs: 40 },
      { p99Ms: 80, maxMs: 160.5 },
    ];
    const calls: string[] = [];
    const mainThreadDelay = {
      start: () => void calls.push("start"),
      take: () => windows.shift(),
      stop: () => void calls.push("stop"),
    };
    harness = await startHarness({ parameters: { image_topics: [FRONT] }, mainThreadDelay });
    await harness.tick(1000);
    await harness.tick(1000);
    await harness.tick(1000);
    const [first, second, third] = harness.diagnostics();
    const delays = (array: typeof first) =>
      ["main_thread_delay_p99_ms", "main_thread_delay_max_ms"].map((key) =>
        statusValue(array, ": engine", key),
      );
    assert.deepEqual(delays(first), ["12.350", "40"]);
    assert.deepEqual(delays(second), ["80", "160.500"]);
    // Nothing measured in a window: the keys are left out, not reported as 0.
    assert.deepEqual(delays(third), [undefined, undefined]);
    await harness.stop();
    harness = undefined;
    assert.deepEqual(calls, ["start", "stop"]);
  });

  it("warns when a camera is silent", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT, REAR], sync_window_ms: 0.0 } });
    for (let i = 0; i < 60; i++) {
      harness.deliver(FRONT, rgbImage({ sec: i }));
      await harness.tick(33);
    }
    const last = harness.diagnostics()[harness.diagnostics().length - 1];
    assert.equal(status(last, "camera front").level, DiagnosticLevel.OK);
    const rear = status(last, "camera rear");
    assert.equal(rear.level, DiagnosticLevel.WARN);
    assert.match(rear.message, /no images yet on \/cameras\/rear\/image_raw/);

    // The front camera stops.
    await harness.tick(2500);
    const later = harness.diagnostics()[harness.diagnostics().length - 1];
    const front = status(later, "camera front");
    assert.equal(front.level, DiagnosticLevel.WARN);
    assert.match(front.message, /no images for \d/);
  });

  it("warns when a camera drops more than half its frames", async () => {
    const engine = new StubEngine();
    engine.delayMs = 100;
    harness = await startHarness({ engine, parameters: { image_topics: [FRONT] } });
    for (let i = 0; i < 100; i++) {
      harness.deliver(FRONT, rgbImage({ sec: i }));
      await harness.tick(10);
    }
    const last = harness.diagnostics()[0];
    const camera = status(last, "camera front");
    assert.equal(camera.level, DiagnosticLevel.WARN);
    assert.match(camera.message, /dropping \d+% of frames/);
    assert.ok(Number(statusValue(last, "camera front", "drop_ratio")) > 0.5);
  });

  it("reports ERROR when inference fails, and keeps running", async () => {
    const engine = new StubEngine();
    harness = await startHarness({ engine, parameters: { image_topics: [FRONT] } });
    engine.failWith = new Error("CUDA out of memory");
    for (let i = 0; i < 5; i++) {
      harness.deliver(FRONT, rgbImage({ sec: i }));
      await harness.tick(20);
    }
    await harness.tick(1000 - 100);
    const array = harness.diagnostics()[0];
    const engineStatus = status(array, ": engine");
    assert.equal(engineStatus.level, DiagnosticLevel.ERROR);
    assert.match(engineStatus.message, /inference failed 5 times: CUDA out of memory/);
    assert.equal(status(array, "camera front").level, DiagnosticLevel.ERROR);
    assert.equal(harness.node.logger.error.callCount, 1, "the error is logged once, not per frame");
    assert.equal(harness.saliency("~/front/saliency").length, 0);

    engine.failWith = undefined;
    harness.deliver(FRONT, rgbImage({ sec: 10 }));
    await harness.tick(1000);
    assert.equal(harness.saliency("~/front/saliency").length, 1);
    const recovered = harness.diagnostics()[1];
    assert.equal(status(recovered, ": engine").level, DiagnosticLevel.OK);
  });
});

describe("visualbackprop_node: bad input", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it("drops a frame whose prediction comes out NaN as a bad frame, and publishes nothing for it", async () => {
    class NanEngine extends StubEngine {
      override async run(input: Float32Array, batch: number, options: { layerMasks?: boolean } = {}) {
        const result = await super.run(input, batch, options);
        result.outputs.curvature.data[0] = NaN;
        return result;
      }
    }
    harness = await startHarness({ parameters: { image_topics: [FRONT] }, engine: new NanEngine() });
    harness.deliver(FRONT, rgbImage({ sec: 7 }));
    await harness.tick(1000);
    assert.equal(harness.saliency("~/front/saliency").length, 0);
    assert.equal(harness.vbp.diagnostics.cameras[0].totals.bad, 1);
    const warnings = harness.node.logger.warn.getCalls().map((call) => String(call.args[0]));
    assert.ok(
      warnings.some((line) => /dropping a bad frame .*NaN or infinite prediction/.test(line)),
      warnings.join("\n"),
    );
  });

  it("warns once per run about frames whose shape the spec's crop was not made for, and processes them", async () => {
    const engine = new StubEngine();
    const model = { ...stubModel(engine), frame: { width: 640, height: 480 } };
    harness = await startHarness({ parameters: { image_topics: [FRONT] }, engine, model });
    for (let sec = 1; sec <= 3; sec++) {
      harness.deliver(FRONT, rgbImage({ sec, width: 8, height: 2 }));
      await harness.tick(1000);
    }
    assert.equal(harness.saliency("~/front/saliency").length, 3);
    const warnings = harness.node.logger.warn.getCalls().map((call) => String(call.args[0]));
    const aspect = warnings.filter((line) => line.includes("aspect ratio"));
    assert.equal(aspect.length, 1, warnings.join("\n"));
    assert.match(
      aspect[0],
      /camera front: a 8x2 frame has aspect ratio 4\.000, the model 'stubnet' was made for 640x480/,
    );
  });

  it("drops bad frames with a throttled warning and a counter, and keeps running", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] } });
    const good = rgbImage({ width: 4, height: 2 });
    const bad: unknown[] = [
      { ...good, encoding: "bayer_rggb8" },
      { ...good, data: good.data.subarray(0, 10) },
      { ...good, width: 0, height: 0, step: 0, data: new Uint8Array(0) },
      { ...good, step: 5 },
      "not an image",
      { ...good, data: "no bytes" },
    ];
    for (let round = 0; round < 5; round++) {
      for (const message of bad) {
        harness.deliver(FRONT, message);
        await harness.tick(5);
      }
    }
    assert.equal(harness.saliency("~/front/saliency").length, 0);
    assert.equal(harness.vbp.diagnostics.cameras[0].totals.bad, 30);
    const warnings = harness.node.logger.warn.getCalls().map((call) => String(call.args[0]));
    assert.ok(warnings.length <= bad.length, `throttled: ${warnings.length} warnings for 30 bad frames`);
    assert.ok(warnings.some((line) => /unsupported image encoding "bayer_rggb8"/.test(line)));
    assert.ok(warnings.some((line) => /truncated|needs/.test(line)));
    assert.ok(warnings.some((line) => /no pixels/.test(line)));

    harness.deliver(FRONT, rgbImage({ sec: 42 }));
    await harness.tick(1000);
    assert.deepEqual(
      harness.saliency("~/front/saliency").map((message) => message.header.stamp.sec),
      [42],
    );
    const array = harness.diagnostics()[0];
    assert.equal(status(array, "camera front").level, DiagnosticLevel.WARN);
    assert.equal(statusValue(array, "camera front", "bad_frames"), "30");
  });

  it("decodes compressed cameras and drops a corrupt JPEG", async () => {
    const compressed = "/cameras/front/image_raw/compressed";
    harness = await startHarness({ parameters: { image_topics: [compressed] } });
    const jpeg = new Uint8Array(
      await sharp(Buffer.alloc(16 * 8 * 3, 90), { raw: { width: 16, height: 8, channels: 3 } })
        .jpeg()
        .toBuffer(),
    );
    const header = { stamp: { sec: 5, nanosec: 0 }, frame_id: "front" };
    harness.deliver(compressed, { header, format: "jpeg", data: jpeg.subarray(0, 40) });
    await harness.waitFor(() => harness?.vbp.diagnostics.cameras[0].totals.bad === 1);
    harness.deliver(compressed, { header, format: "rgb8; jpeg compressed bgr8", data: jpeg });
    await harness.waitFor(() => (harness?.saliency("~/front/saliency").length ?? 0) === 1);
    const mask = harness.images("~/front/mask")[0];
    assert.deepEqual([mask.width, mask.height, mask.header.frame_id], [16, 8, "front"]);
    assert.ok(harness.node.logger.warn.getCalls().some((call) => /corrupt jpeg/.test(String(call.args[0]))));
  });
});

describe("visualbackprop_node: start-up failures", () => {
  async function start(options: {
    rcl?: ReturnType<typeof createFakeRcl>;
    fail?: Error;
  }): Promise<{ rcl: ReturnType<typeof createFakeRcl>; result: Promise<VisualBackPropNode> }> {
    const rcl = options.rcl ?? createFakeRcl();
    const loader = options.fail === undefined ? stubLoader(stubModel()) : () => Promise.reject(options.fail);
    const result = VisualBackPropNode.start(new rcl.Node("visualbackprop"), {
      rcl,
      loadModel: loader,
      imageOps: STUB_IMAGE_OPS,
      defaultModelPath: "/nope/pilotnet.onnx",
    });
    return { rcl, result };
  }

  it("a missing model is one clear error, before any topic exists", async () => {
    const { rcl, result } = await start({ fail: new Error("model '/nope/pilotnet.onnx' does not exist") });
    await assert.rejects(result, (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.equal(
        error.message,
        "cannot load model '/nope/pilotnet.onnx': model '/nope/pilotnet.onnx' does not exist",
      );
      return true;
    });
    assert.equal(rcl.nodes[0].publishers.length, 0);
    assert.equal(rcl.nodes[0].subscriptions.length, 0);
  });

  it("an unknown provider is a parameter error", async () => {
    const rcl = createFakeRcl({ overrides: overrides({ provider: "gpu" }) });
    const { result } = await start({ rcl });
    await assert.rejects(
      result,
      /invalid parameters: parameter provider must be one of auto, cpu, cuda, tensorrt, webgpu, got "gpu"/,
    );
  });

  it("two topics that imply the same camera name need camera_names", async () => {
    const rcl = createFakeRcl({
      overrides: overrides({ image_topics: ["/a/front/image", "/b/front/image"] }),
    });
    const { result } = await start({ rcl });
    await assert.rejects(result, /both be named "front"; set camera_names/);
  });

  it("generates the package's messages once when rclnodejs lacks them", async () => {
    const rcl = createFakeRcl({ generatedTypes: STANDARD_TYPES, typesAfterRegenerate: OWN_TYPES });
    const { result } = await start({ rcl });
    const vbp = await result;
    assert.equal(rcl.regenerateAll.callCount, 1);
    await vbp.shutdown();
  });

  it("says to colcon build when the package's messages cannot be generated", async () => {
    const rcl = createFakeRcl({ generatedTypes: STANDARD_TYPES });
    const { result } = await start({ rcl });
    await assert.rejects(
      result,
      /visualbackprop\/msg\/SteeringCommand, visualbackprop\/msg\/Saliency .*colcon build/,
    );
    assert.equal(rcl.nodes[0].publishers.length, 0);
  });
});
