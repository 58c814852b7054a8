import assert from "node:assert/strict";
import { PARAMETER_DEFINITIONS } from "../../src/ros/parameters";
import { VisualBackPropNode } from "../../src/ros/node";
import {
  createFakeRcl,
  FakeFloatingPointRange,
  FakeIntegerRange,
  FakeParameter,
  FakeQoS,
  ParameterType,
} from "./fake-rclnodejs";
import { type Harness, overrides, startHarness } from "./harness";
import { rgbImage, STUB_IMAGE_OPS, StubEngine, stubLoader, stubModel } from "./stubs";

const FRONT = "/cameras/front/image_raw";

describe("visualbackprop_node: topics, QoS and parameters", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it("subscribes to each camera with sensor-data QoS at depth 1 and publishes reliable outputs under ~/<camera>/", async () => {
    harness = await startHarness({
      parameters: { image_topics: [FRONT, "/cameras/rear/image_raw/compressed"] },
    });
    const { node } = harness;

    const front = node.subscription(FRONT);
    assert.equal(front.typeClass, "sensor_msgs/msg/Image");
    assert.ok(front.options.qos instanceof FakeQoS);
    assert.deepEqual(
      { ...front.options.qos },
      {
        history: FakeQoS.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
        depth: 1,
        reliability: FakeQoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
        durability: FakeQoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_VOLATILE,
      },
    );
    assert.equal(
      node.subscription("/cameras/rear/image_raw/compressed").typeClass,
      "sensor_msgs/msg/CompressedImage",
    );

    const expected: Array<[string, string]> = [];
    for (const camera of ["front", "rear"]) {
      expected.push(
        [`/visualbackprop/${camera}/mask`, "sensor_msgs/msg/Image"],
        [`/visualbackprop/${camera}/overlay`, "sensor_msgs/msg/Image"],
        [`/visualbackprop/${camera}/steering`, "visualbackprop/msg/SteeringCommand"],
        [`/visualbackprop/${camera}/saliency`, "visualbackprop/msg/Saliency"],
      );
    }
    expected.push(["/diagnostics", "diagnostic_msgs/msg/DiagnosticArray"]);
    assert.deepEqual(
      node.publishers.map((publisher) => [publisher.topic, publisher.typeClass]).sort(),
      expected.sort(),
    );
    for (const publisher of node.publishers) {
      const qos = publisher.options?.qos;
      assert.ok(qos instanceof FakeQoS, publisher.topic);
      assert.equal(
        qos.reliability,
        FakeQoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE,
        publisher.topic,
      );
    }
    // /diagnostics runs on the steady clock (an rcl timer would stop under use_sim_time).
    assert.equal(node.timers.length, 0);
  });

  it("takes QoS, camera names and the model from parameters", async () => {
    const engine = new StubEngine();
    harness = await startHarness({
      engine,
      parameters: {
        image_topics: ["/a/image", "/b/image"],
        camera_names: ["left", "right"],
        input_reliability: "reliable",
        input_depth: 3,
        output_depth: 2,
      },
    });
    const { node } = harness;
    const input = node.subscription("/a/image").options.qos;
    assert.ok(input instanceof FakeQoS);
    assert.equal(input.depth, 3);
    assert.equal(input.reliability, FakeQoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE);
    const output = node.publisher("~/right/overlay").options?.qos;
    assert.ok(output instanceof FakeQoS);
    assert.equal(output.depth, 2);
    assert.deepEqual(
      harness.vbp.cameras.map((camera) => [camera.name, camera.topic]),
      [
        ["left", "/a/image"],
        ["right", "/b/image"],
      ],
    );
  });

  it("declares every parameter with a descriptor, its range and read-only flag", async () => {
    harness = await startHarness();
    const { node } = harness;
    for (const definition of PARAMETER_DEFINITIONS) {
      const descriptor = node.descriptors.get(definition.name);
      assert.ok(descriptor !== undefined, definition.name);
      assert.equal(descriptor.readOnly, definition.readOnly, definition.name);
      assert.ok(descriptor.description.length > 10, definition.name);
    }
    for (const readOnly of ["model", "provider", "image_topics", "input_reliability", "output_depth"]) {
      assert.equal(node.descriptors.get(readOnly)?.readOnly, true, readOnly);
    }
    for (const dynamic of [
      "overlay_opacity",
      "overlay_color_map",
      "max_rate_hz",
      "publish_mask",
      "publish_layer_masks",
    ]) {
      assert.equal(node.descriptors.get(dynamic)?.readOnly, false, dynamic);
    }
    const opacity = node.descriptors.get("overlay_opacity")?.range;
    assert.ok(opacity instanceof FakeFloatingPointRange);
    assert.deepEqual([opacity.fromValue, opacity.toValue, opacity.step], [0, 1, 0]);
    const depth = node.descriptors.get("input_depth")?.range;
    assert.ok(depth instanceof FakeIntegerRange);
    assert.deepEqual([depth.fromValue, depth.toValue], [1n, 100n]);
    assert.equal(node.getParameter("input_depth").value, 1n, "integers are bigint, as in rclnodejs");
    assert.match(
      node.descriptors.get("overlay_color_map")?.additionalConstraints ?? "",
      /jet, turbo, inferno, gray/,
    );
  });

  it("takes an integer given for a double parameter as that double", async () => {
    const rcl = createFakeRcl({
      overrides: [new FakeParameter("max_rate_hz", ParameterType.PARAMETER_INTEGER, 15)],
    });
    const vbp = await VisualBackPropNode.start(new rcl.Node("visualbackprop"), {
      rcl,
      loadModel: stubLoader(stubModel()),
      imageOps: STUB_IMAGE_OPS,
      defaultModelPath: "/m.onnx",
    });
    const declared = rcl.nodes[0].getParameter("max_rate_hz");
    assert.equal(declared.type, ParameterType.PARAMETER_DOUBLE);
    assert.equal(declared.value, 15);
    await vbp.shutdown();
  });

  it("asks the loader for the default model, the provider and the session settings", async () => {
    const rcl = createFakeRcl({ overrides: overrides({ provider: "cuda", intra_op_threads: 2 }) });
    const loader = stubLoader(stubModel());
    const vbp = await VisualBackPropNode.start(new rcl.Node("visualbackprop"), {
      rcl,
      loadModel: loader,
      imageOps: STUB_IMAGE_OPS,
      defaultModelPath: "/share/visualbackprop/models/pilotnet.onnx",
    });
    assert.equal(loader.requests.length, 1);
    const request = loader.requests[0];
    assert.equal(request.modelPath, "/share/visualbackprop/models/pilotnet.onnx");
    assert.equal(request.provider, "cuda");
    assert.equal(request.intraOpThreads, 2);
    // The node's image work runs beside the engine: ONNX Runtime's threads must not spin.
    assert.equal(request.spinWait, false);
    assert.equal(request.graphOptimizationLevel, "all");
    assert.equal(request.method, "vbp");
    assert.equal(request.lrpAt, "input");
    await vbp.shutdown();
  });

  it("passes lrp_at to the loader and refuses a point it does not know", async () => {
    const rcl = createFakeRcl({ overrides: overrides({ method: "lrp", lrp_at: "conv1" }) });
    const loader = stubLoader(stubModel());
    const vbp = await VisualBackPropNode.start(new rcl.Node("visualbackprop"), {
      rcl,
      loadModel: loader,
      imageOps: STUB_IMAGE_OPS,
      defaultModelPath: "/share/visualbackprop/models/pilotnet.onnx",
    });
    assert.equal(loader.requests[0].lrpAt, "conv1");
    await vbp.shutdown();
    const bad = createFakeRcl({ overrides: overrides({ lrp_at: "conv2" }) });
    await assert.rejects(
      VisualBackPropNode.start(new bad.Node("visualbackprop"), {
        rcl: bad,
        loadModel: stubLoader(stubModel()),
        imageOps: STUB_IMAGE_OPS,
        defaultModelPath: "/share/visualbackprop/models/pilotnet.onnx",
      }),
      /parameter lrp_at must be "input" or "conv1", got "conv2"/,
    );
  });

  it("asks for the saliency method and epsilon, and publishes which method made each map", async () => {
    const engine = new StubEngine();
    engine.method = "lrp";
    harness = await startHarness({
      engine,
      parameters: { image_topics: [FRONT], method: "lrp", lrp_epsilon: 0.01, publish_layer_masks: true },
    });
    harness.deliver(FRONT, rgbImage({ sec: 1 }));
    await harness.tick(5);
    const saliency = harness.saliency("~/front/saliency");
    assert.deepEqual(
      saliency.map((m) => [m.method, m.layers.length]),
      [["lrp", 0]],
    );
    // Layer masks are VisualBackProp's: an LRP engine is never asked for them.
    assert.deepEqual(
      engine.calls.map((call) => call.layerMasks),
      [false],
    );
    assert.equal(harness.node.getParameter("lrp_epsilon").value, 0.01);
  });

  describe("changing parameters at run time", () => {
    it("applies opacity, colour map and publishing switches at the next frame", async () => {
      harness = await startHarness({ parameters: { image_topics: [FRONT] } });
      const { node } = harness;
      const results = node.setParameters([
        new FakeParameter("overlay_opacity", ParameterType.PARAMETER_DOUBLE, 1.0),
        new FakeParameter("overlay_color_map", ParameterType.PARAMETER_STRING, "gray"),
        new FakeParameter("publish_steering", ParameterType.PARAMETER_BOOL, false),
      ]);
      assert.deepEqual(
        results.map((result) => result.successful),
        [true, true, true],
      );
      assert.equal(harness.vbp.cameras.length, 1);
      harness.deliver(FRONT, rgbImage({ red: 51 }));
      await harness.tick(5);
      const overlay = harness.images("~/front/overlay");
      assert.equal(overlay.length, 1);
      // Opacity 1 (stub overlay): the frame's colour is gone, only the heat of the mask remains.
      const mask = harness.images("~/front/mask")[0];
      assert.equal(overlay[0].data[0], mask.data[0]);
      assert.equal(harness.steering("~/front/steering").length, 0, "publish_steering false");
      assert.ok(node.logger.info.calledWithMatch(/overlay_opacity=1/));
    });

    it("vetoes read-only parameters, values out of range, unknown choices and wrong types with a reason", async () => {
      harness = await startHarness();
      const { node } = harness;
      const attempts = [
        new FakeParameter("model", ParameterType.PARAMETER_STRING, "/other.onnx"),
        new FakeParameter("overlay_opacity", ParameterType.PARAMETER_DOUBLE, 1.5),
        new FakeParameter("overlay_color_map", ParameterType.PARAMETER_STRING, "rainbow"),
        new FakeParameter("max_rate_hz", ParameterType.PARAMETER_INTEGER, 10),
      ];
      const results = node.setParameters(attempts);
      assert.deepEqual(
        results.map((result) => result.successful),
        [false, false, false, false],
      );
      assert.match(results[2].reason, /overlay_color_map must be one of jet, turbo, inferno, gray/);
      assert.equal(harness.vbp.model.name, "stubnet");
      assert.equal(node.getParameter("overlay_color_map").value, "jet");
    });

    it("turns layer masks on and off without a restart", async () => {
      harness = await startHarness({ parameters: { image_topics: [FRONT] } });
      harness.deliver(FRONT, rgbImage({ sec: 1 }));
      await harness.tick(5);
      harness.node.setParameters([
        new FakeParameter("publish_layer_masks", ParameterType.PARAMETER_BOOL, true),
      ]);
      harness.deliver(FRONT, rgbImage({ sec: 2 }));
      await harness.tick(5);
      const saliency = harness.saliency("~/front/saliency");
      assert.deepEqual(
        saliency.map((message) => message.layers.length),
        [0, 1],
      );
      assert.deepEqual(
        harness.engine.calls.map((call) => call.layerMasks),
        [false, true],
      );
      assert.equal(saliency[1].layers[0].layer, "relu2");
      assert.equal(saliency[1].layers[0].mask.length, 8);
    });
  });
});
