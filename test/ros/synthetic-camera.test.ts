import assert from "node:assert/strict";
import * as fs from "node:fs";
import { EventEmitter } from "node:events";
import sinon from "sinon";
import { DEFAULT_MODEL } from "../../src/cli/package-paths";
import { SyntheticDrive } from "../../src/drive/drive";
import { PILOTNET_INPUT } from "../../src/drive/model-input";
import type { Float32Msg, ImageMsg, SaliencyMsg, SteeringCommandMsg } from "../../src/frame/message-types";
import { IMAGE_OPS } from "../../src/frame/image-ops";
import { loadModel } from "../../src/frame/model-loader";
import type { LoadedModel } from "../../src/frame/model-port";
import { VisualBackPropNode } from "../../src/ros/node";
import { SyntheticCamera } from "../../src/ros/synthetic-camera";
import { runSyntheticCameraMain } from "../../src/ros/synthetic-camera-main";
import { createFakeRcl, FakeParameter, ParameterType } from "./fake-rclnodejs";
import { overrides } from "./harness";
import { StubEngine, stubLoader } from "./stubs";

function smallCameraOverrides(): FakeParameter[] {
  return [
    new FakeParameter("width", ParameterType.PARAMETER_INTEGER, 64),
    new FakeParameter("height", ParameterType.PARAMETER_INTEGER, 48),
    new FakeParameter("rate_hz", ParameterType.PARAMETER_DOUBLE, 10.0),
    new FakeParameter("seed", ParameterType.PARAMETER_INTEGER, 1_000_001),
  ];
}

describe("synthetic_camera", () => {
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  it("declares its parameters like the node: ranges enforced, an integer rate taken as a double", () => {
    const tooNarrow = createFakeRcl({
      overrides: [new FakeParameter("width", ParameterType.PARAMETER_INTEGER, 10)],
    });
    assert.throws(
      () => SyntheticCamera.start(tooNarrow, new tooNarrow.Node("synthetic_camera", "/camera")),
      // rclnodejs refuses a value outside the descriptor's range (its own wording); the error names it.
      /^Error: parameter width: /,
    );
    const rcl = createFakeRcl({
      overrides: [
        ...smallCameraOverrides().filter((p) => p.name !== "rate_hz"),
        new FakeParameter("rate_hz", ParameterType.PARAMETER_INTEGER, 20),
      ],
    });
    const camera = SyntheticCamera.start(rcl, new rcl.Node("synthetic_camera", "/camera"));
    try {
      assert.equal(rcl.nodes[0].timers[0].periodNs, 50_000_000n);
    } finally {
      camera.stop();
    }
  });

  it("publishes the drive as rgb8 images with the ground-truth curvature at the chosen rate and size", () => {
    clock = sinon.useFakeTimers({
      toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"],
    });
    const rcl = createFakeRcl({ overrides: smallCameraOverrides() });
    const node = new rcl.Node("synthetic_camera", "/camera");
    const camera = SyntheticCamera.start(rcl, node);
    const fake = rcl.nodes[0];
    assert.equal(fake.timers[0].periodNs, 100_000_000n);
    fake.clock = { sec: 42, nanosec: 7 };
    clock.tick(1000);

    const images = fake.publisher("/camera/image_raw").messages as ImageMsg[];
    const curvatures = fake.publisher("/camera/curvature").messages as Float32Msg[];
    assert.equal(fake.publisher("/camera/image_raw").typeClass, "sensor_msgs/msg/Image");
    assert.equal(fake.publisher("/camera/curvature").typeClass, "std_msgs/msg/Float32");
    assert.deepEqual([images.length, curvatures.length, camera.published], [10, 10, 10]);
    const image = images[0];
    assert.deepEqual(
      [image.encoding, image.width, image.height, image.step, image.data.length, image.header.frame_id],
      ["rgb8", 64, 48, 192, 64 * 48 * 3, "camera_optical"],
    );
    assert.deepEqual(image.header.stamp, { sec: 42, nanosec: 7 });
    const drive = new SyntheticDrive({ seed: 1_000_001, width: 64, height: 48, rateHz: 10 });
    assert.deepEqual(image.data, drive.frame(0).image.data);
    assert.equal(curvatures[3].data, drive.frame(3).truth.curvature);
    camera.stop();
    assert.ok(fake.timers[0].isCanceled());
  });

  it("runs as a process until SIGINT and exits 0", async () => {
    const rcl = createFakeRcl({ overrides: smallCameraOverrides() });
    const signals = new EventEmitter();
    const exit = runSyntheticCameraMain({ loadRcl: () => rcl, signals, writeError: () => undefined });
    for (let turn = 0; turn < 100 && rcl.nodes[0]?.spinning !== true; turn++)
      await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rcl.nodes[0].spinning, true);
    signals.emit("SIGINT");
    assert.equal(await exit, 0);
    assert.equal(rcl.shutdown.callCount, 1);
  });

  async function driveNode(
    model: LoadedModel,
    frames: number,
  ): Promise<{
    steering: SteeringCommandMsg[];
    masks: ImageMsg[];
    overlays: ImageMsg[];
    saliency: SaliencyMsg[];
    truth: number[];
  }> {
    const cameraRcl = createFakeRcl({
      overrides: [
        new FakeParameter("width", ParameterType.PARAMETER_INTEGER, 640),
        new FakeParameter("height", ParameterType.PARAMETER_INTEGER, 480),
      ],
    });
    const cameraNode = new cameraRcl.Node("synthetic_camera", "/camera");
    const camera = SyntheticCamera.start(cameraRcl, cameraNode);
    const rcl = createFakeRcl({ overrides: overrides({ image_topics: ["/camera/image_raw"] }) });
    const vbp = await VisualBackPropNode.start(new rcl.Node("visualbackprop"), {
      rcl,
      loadModel: stubLoader(model),
      imageOps: IMAGE_OPS,
      defaultModelPath: "/unused.onnx",
    });
    const node = rcl.nodes[0];
    node.defaultSubscriberCount = 1;
    const images = cameraRcl.nodes[0].publisher("/camera/image_raw").messages;
    const truth = cameraRcl.nodes[0].publisher("/camera/curvature").messages as Float32Msg[];
    for (let i = 0; i < frames; i++) {
      camera.publishNext();
      node.subscription("/camera/image_raw").deliver(images[i]);
      const expected = i + 1;
      for (
        let turn = 0;
        turn < 1000 && node.publisher("~/camera/saliency").messages.length < expected;
        turn++
      ) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    camera.stop();
    await vbp.shutdown();
    cameraRcl.nodes[0].destroy();
    node.destroy();
    return {
      steering: node.publisher("~/camera/steering").messages as SteeringCommandMsg[],
      masks: node.publisher("~/camera/mask").messages as ImageMsg[],
      overlays: node.publisher("~/camera/overlay").messages as ImageMsg[],
      saliency: node.publisher("~/camera/saliency").messages as SaliencyMsg[],
      truth: truth.map((message) => message.data),
    };
  }

  it("feeds visualbackprop_node end to end (real image helpers, stub engine)", async () => {
    const engine = new StubEngine({
      channels: 3,
      height: PILOTNET_INPUT.height,
      width: PILOTNET_INPUT.width,
    });
    const result = await driveNode(
      { name: "stub", outputName: "curvature", preprocess: PILOTNET_INPUT, engine },
      3,
    );
    assert.equal(result.steering.length, 3);
    assert.deepEqual([result.masks[0].width, result.masks[0].height, result.masks[0].step], [640, 480, 640]);
    assert.deepEqual(
      [result.overlays[0].width, result.overlays[0].height, result.overlays[0].encoding],
      [640, 480, "rgb8"],
    );
    assert.deepEqual([result.saliency[0].width, result.saliency[0].height], [200, 66]);
    // Rows outside PilotNet's crop (above row 204) were never seen by the model: zero in the mask.
    assert.ok(result.masks[0].data.subarray(0, 200 * 640).every((value) => value === 0));
  });

  it("with the shipped PilotNet, steers the synthetic drive (skipped until models/pilotnet.onnx exists)", async function () {
    if (!fs.existsSync(DEFAULT_MODEL)) this.skip();
    this.timeout(120_000);
    const model = await loadModel({ modelPath: DEFAULT_MODEL, provider: "cpu" });
    const result = await driveNode(model, 5);
    assert.equal(result.steering.length, 5);
    let absoluteError = 0;
    for (const [i, command] of result.steering.entries()) {
      assert.ok(Number.isFinite(command.curvature) && Number.isFinite(command.steering_wheel_angle));
      absoluteError += Math.abs(command.curvature - result.truth[i]) / result.steering.length;
    }
    // Curvatures span about +-1/45 1/m; a working model is well inside half of that.
    assert.ok(absoluteError < 0.01, `mean absolute curvature error ${absoluteError}`);
    const mask = result.saliency[0].mask;
    assert.ok(Math.max(...mask) > Math.min(...mask), "the mask is not constant");
  });
});
