import assert from "node:assert/strict";
import {
  cameraNameFromTopic,
  isCompressedTopic,
  outputTopics,
  resolveCameras,
} from "../../src/frame/cameras";
import { percentile } from "../../src/ros/diagnostics";
import {
  buildDiagnosticArray,
  buildMono8Image,
  buildRgb8Image,
  buildSaliency,
  buildSteeringCommand,
  DiagnosticLevel,
} from "../../src/frame/messages";
import { RuntimeParameters } from "../../src/ros/parameter-updates";
import { defaultParameterValues, PARAMETER_DEFINITIONS, settingsFromValues } from "../../src/ros/parameters";
import { steeringWheelAngle } from "../../src/frame/steering";
import { ThrottledLog } from "../../src/ros/throttled-log";
import { createFakeRcl, FakeParameter, fakeLogger, ParameterType } from "./fake-rclnodejs";

const header = { stamp: { sec: 3, nanosec: 4 }, frame_id: "cam" };

describe("steering", () => {
  it("is atan(wheelbase * curvature) * steering ratio, left positive", () => {
    const geometry = { wheelbaseM: 2.5, steeringRatio: 16 };
    assert.equal(steeringWheelAngle(0, geometry), 0);
    assert.ok(Math.abs(steeringWheelAngle(0.02, geometry) - Math.atan(0.05) * 16) < 1e-12);
    assert.equal(steeringWheelAngle(-0.02, geometry), -steeringWheelAngle(0.02, geometry));
    assert.ok(Number.isNaN(steeringWheelAngle(Number.NaN, geometry)));
  });
});

describe("message builders", () => {
  it("copy the header instead of sharing it", () => {
    const command = buildSteeringCommand(header, {
      curvature: 0.01,
      steeringWheelAngle: 0.4,
      modelName: "m",
    });
    assert.deepEqual(command, { header, curvature: 0.01, steering_wheel_angle: 0.4, model_name: "m" });
    assert.notEqual(command.header, header);
    assert.notEqual(command.header.stamp, header.stamp);
  });

  it("build tightly packed mono8 and rgb8 images and refuse a wrong size", () => {
    const mono = buildMono8Image(header, 3, 2, new Uint8Array(6));
    assert.deepEqual([mono.encoding, mono.step, mono.is_bigendian], ["mono8", 3, 0]);
    assert.throws(() => buildMono8Image(header, 3, 2, new Uint8Array(5)), /expected 6 bytes/);
    const rgb = buildRgb8Image(header, { width: 2, height: 1, data: new Uint8Array(6) });
    assert.deepEqual([rgb.encoding, rgb.step, rgb.width, rgb.height], ["rgb8", 6, 2, 1]);
  });

  it("build Saliency with timing and drops", () => {
    const message = buildSaliency(header, {
      method: "lrp",
      width: 2,
      height: 1,
      mask: Float32Array.from([0, 1]),
      layers: [{ layer: "conv1", width: 1, height: 1, mask: Float32Array.from([1]) }],
      timing: { preprocessMs: 1, inferenceMs: 2, visualBackPropMs: 3, totalMs: 7 },
      framesDropped: 4,
    });
    assert.equal(message.method, "lrp");
    assert.deepEqual(
      [
        message.preprocess_ms,
        message.inference_ms,
        message.visualbackprop_ms,
        message.total_ms,
        message.frames_dropped,
      ],
      [1, 2, 3, 7, 4],
    );
    assert.deepEqual(message.layers[0], {
      layer: "conv1",
      height: 1,
      width: 1,
      mask: Float32Array.from([1]),
    });
  });

  it("build a DiagnosticArray with string values", () => {
    const array = buildDiagnosticArray(header.stamp, [
      {
        level: DiagnosticLevel.WARN,
        name: "n",
        message: "m",
        hardwareId: "h",
        values: [
          ["rate", 29.97],
          ["count", 3],
          ["ok", true],
        ],
      },
    ]);
    assert.deepEqual(array.status[0].values, [
      { key: "rate", value: "29.970" },
      { key: "count", value: "3" },
      { key: "ok", value: "true" },
    ]);
    assert.equal(array.status[0].level, 1);
  });
});

describe("cameras", () => {
  it("name a camera after the topic's last namespace segment", () => {
    assert.equal(cameraNameFromTopic("/cameras/front/image_raw"), "front");
    assert.equal(cameraNameFromTopic("/cameras/front/image_raw/compressed"), "front");
    assert.equal(cameraNameFromTopic("/image_raw"), undefined);
    assert.equal(cameraNameFromTopic("/car/3d-cam/image"), "_3d_cam");
    assert.ok(isCompressedTopic("/a/image/compressed"));
    assert.ok(!isCompressedTopic("/a/compressed_image"));
  });

  it("resolve names, explicit ones first, and refuse duplicates and mismatched lists", () => {
    assert.deepEqual(
      resolveCameras(["/image_raw"], []).map((camera) => camera.name),
      ["camera"],
    );
    assert.deepEqual(
      resolveCameras(["/x", "/y"], []).map((camera) => camera.name),
      ["camera_0", "camera_1"],
    );
    assert.deepEqual(
      resolveCameras(["/a/front/image", "/b/front/image"], ["left", "right"]).map((camera) => camera.name),
      ["left", "right"],
    );
    assert.throws(
      () => resolveCameras(["/a", "/b"], ["one"]),
      /camera_names has 1 entries but image_topics has 2/,
    );
    assert.throws(() => resolveCameras([], []), /image_topics is empty/);
    assert.deepEqual(outputTopics(resolveCameras(["/c/front/img"], [])[0]), {
      mask: "~/front/mask",
      overlay: "~/front/overlay",
      steering: "~/front/steering",
      saliency: "~/front/saliency",
    });
  });
});

describe("parameters", () => {
  it("defaults form valid settings", () => {
    const settings = settingsFromValues(defaultParameterValues());
    assert.equal(settings.startup.provider, "auto");
    assert.deepEqual(settings.startup.inputQos, { reliability: "best_effort", depth: 1 });
    assert.deepEqual(settings.startup.outputQos, { reliability: "reliable", depth: 5 });
    assert.equal(settings.runtime.overlayOpacity, 0.5);
    assert.equal(
      new Set(PARAMETER_DEFINITIONS.map((definition) => definition.name)).size,
      PARAMETER_DEFINITIONS.length,
    );
  });

  it("the on-set callback vetoes on its own (rclnodejs range checks aside) and the post-set callback applies", () => {
    const rcl = createFakeRcl();
    const node = new rcl.Node("n");
    const runtime = new RuntimeParameters(rcl, node, defaultParameterValues());
    runtime.attach();
    const fake = rcl.nodes[0];
    const validate = fake.onSetCallbacks[0];
    const veto = (name: string, type: number, value: unknown): string => {
      const result = validate([new FakeParameter(name, type, value)]);
      assert.equal(result.successful, false, name);
      return result.reason;
    };
    assert.match(
      veto("overlay_opacity", ParameterType.PARAMETER_DOUBLE, 2.0),
      /overlay_opacity must be in \[0, 1\], got 2/,
    );
    assert.match(veto("provider", ParameterType.PARAMETER_STRING, "cpu"), /read-only; restart/);
    assert.match(
      veto("max_rate_hz", ParameterType.PARAMETER_INTEGER, 5),
      /must be double, got integer \(write doubles with a decimal point/,
    );
    assert.equal(
      validate([new FakeParameter("use_sim_time", ParameterType.PARAMETER_BOOL, true)]).successful,
      true,
    );

    const seen: number[] = [];
    runtime.changes.subscribe((settings) => seen.push(settings.overlayOpacity));
    fake.postSetCallbacks[0]([new FakeParameter("overlay_opacity", ParameterType.PARAMETER_DOUBLE, 0.9)]);
    assert.deepEqual(seen, [0.5, 0.9]);
    assert.equal(runtime.current.overlayOpacity, 0.9);
    runtime.detach();
    assert.equal(fake.onSetCallbacks.length, 0);
    assert.equal(fake.postSetCallbacks.length, 0);
  });
});

describe("small helpers", () => {
  it("percentile is nearest-rank", () => {
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
    assert.equal(percentile([1, 2, 3, 4], 0.99), 4);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it("ThrottledLog writes a key once per period and counts the rest", () => {
    let now = 0;
    const logger = fakeLogger();
    const log = new ThrottledLog(logger, 1000, () => now);
    log.warn("a", "first");
    log.warn("a", "second");
    log.warn("b", "other key");
    now = 1500;
    log.warn("a", "third");
    assert.deepEqual(
      logger.warn.getCalls().map((call) => call.args[0]),
      ["first", "other key", "third (1 more since the last report)"],
    );
  });
});
