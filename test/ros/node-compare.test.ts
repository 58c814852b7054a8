import assert from "node:assert/strict";
import type { EngineResult } from "../../src/engine/types";
import type { DiagnosticArrayMsg, ImageMsg, SaliencyComparisonMsg } from "../../src/frame/message-types";
import type { LoadedModel } from "../../src/frame/model-port";
import { VisualBackPropNode } from "../../src/ros/node";
import { createFakeRcl, OWN_TYPES, STANDARD_TYPES } from "./fake-rclnodejs";
import { type Harness, overrides, startHarness, status, statusValue } from "./harness";
import { rgbImage, STUB_IMAGE_OPS, STUB_SPEC, StubEngine, stubLoader, stubModel } from "./stubs";

const FRONT = "/cameras/front/image_raw";
const COMPARE = ["steering", "saliency", "mask", "overlay", "comparison", "diff"].map(
  (output) => `/visualbackprop/front/compare/${output}`,
);

/** A stub engine that steers 0.1 1/m further left and looks at the other end of the image. */
class OtherEngine extends StubEngine {
  override async run(input: Float32Array, batch: number, options = {}): Promise<EngineResult> {
    const result = await super.run(input, batch, options);
    const curvature = result.outputs.curvature.data as Float32Array;
    for (let i = 0; i < curvature.length; i++) curvature[i] += 0.1;
    const size = result.width * result.height;
    for (let i = 0; i < batch; i++) result.masks.subarray(i * size, (i + 1) * size).reverse();
    return result;
  }
}

function otherModel(engine = new OtherEngine(), preprocess = STUB_SPEC): LoadedModel {
  return { name: "othernet", outputName: "curvature", preprocess, engine };
}

describe("visualbackprop_node compare_model: a second model on the same frames", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  function comparisons(h: Harness): SaliencyComparisonMsg[] {
    return h.node.publisher("~/front/compare/comparison").messages as SaliencyComparisonMsg[];
  }

  function lastDiagnostics(h: Harness): DiagnosticArrayMsg {
    const all = h.diagnostics();
    return all[all.length - 1];
  }

  it("declares compare_model read-only and the thresholds at run time, each with a descriptor and range", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT] } });
    const descriptors = harness.node.descriptors;
    assert.equal(descriptors.get("compare_model")?.readOnly, true);
    for (const name of ["compare_steering_threshold", "compare_mask_threshold"]) {
      assert.equal(descriptors.get(name)?.readOnly, false, name);
      assert.ok(descriptors.get(name)?.range !== undefined, name);
    }
    // Without compare_model: no comparison topics, no comparison status.
    assert.ok(!harness.node.publishers.some((p) => p.topic.includes("/compare/")));
    harness.deliver(FRONT, rgbImage({}));
    await harness.tick(1100);
    assert.ok(!lastDiagnostics(harness).status.some((s) => s.name.endsWith("comparison")));
  });

  it("publishes the compared model's outputs, the comparison and the diff; counts disagreements", async () => {
    const compareEngine = new OtherEngine();
    harness = await startHarness({
      parameters: { image_topics: [FRONT], compare_model: "/models/other.onnx" },
      compareModel: otherModel(compareEngine),
    });
    assert.equal(harness.vbp.compareModel?.name, "othernet");
    harness.deliver(FRONT, rgbImage({ red: 51, sec: 7, frameId: "front_optical" }));
    await harness.tick(5);
    const steering = harness.steering("~/front/compare/steering");
    assert.equal(steering.length, 1);
    assert.equal(steering[0].model_name, "othernet");
    assert.ok(Math.abs(steering[0].curvature - 0.3) < 1e-6);
    assert.equal(harness.saliency("~/front/compare/saliency").length, 1);
    assert.equal(harness.images("~/front/compare/mask")[0].encoding, "mono8");
    assert.equal(harness.images("~/front/compare/overlay")[0].encoding, "rgb8");
    const diff = harness.node.publisher("~/front/compare/diff").messages as ImageMsg[];
    assert.deepEqual([diff[0].encoding, diff[0].width, diff[0].height], ["rgb8", 16, 8]);
    const [comparison] = comparisons(harness);
    assert.deepEqual(comparison.header, { stamp: { sec: 7, nanosec: 0 }, frame_id: "front_optical" });
    assert.equal(comparison.model_name, "stubnet");
    assert.equal(comparison.compare_model_name, "othernet");
    assert.ok(Math.abs(comparison.curvature_difference - 0.1) < 1e-6);
    assert.ok(comparison.mask_difference > 0.3, `${comparison.mask_difference}`);
    assert.equal(comparison.top_iou, 0);
    // The same spec: the compared model ran on the main model's input, once, with the same batch.
    assert.equal(compareEngine.calls.length, 1);
    assert.deepEqual(compareEngine.calls[0].firstValues, harness.engine.calls[0].firstValues);
    await harness.tick(1100);
    const compared = status(lastDiagnostics(harness), "comparison");
    assert.equal(compared.level, 1);
    assert.match(compared.message, /1 of 1 frames steer differently; 1 of 1 frames look differently/);
    assert.equal(statusValue(lastDiagnostics(harness), "comparison", "steering_disagreements_total"), "1");
  });

  it("a model compared with itself: difference 0, IoU 1, no disagreement", async () => {
    harness = await startHarness({
      parameters: { image_topics: [FRONT], compare_model: "/models/same.onnx" },
      compareModel: { ...stubModel(new StubEngine()), name: "samenet" },
    });
    harness.deliver(FRONT, rgbImage({ red: 51 }));
    await harness.tick(5);
    const [comparison] = comparisons(harness);
    assert.equal(comparison.curvature_difference, 0);
    assert.equal(comparison.mask_difference, 0);
    assert.equal(comparison.top_iou, 1);
    await harness.tick(1100);
    const compared = status(lastDiagnostics(harness), "comparison");
    assert.equal(compared.level, 0);
    assert.equal(compared.message, "OK: the models agree");
  });

  it("thresholds raised at start-up: the same frames are no disagreement", async () => {
    harness = await startHarness({
      parameters: {
        image_topics: [FRONT],
        compare_model: "/models/other.onnx",
        compare_steering_threshold: 0.5,
        compare_mask_threshold: 0.9,
      },
      compareModel: otherModel(),
    });
    harness.deliver(FRONT, rgbImage({}));
    await harness.tick(1100);
    const diagnostics = lastDiagnostics(harness);
    assert.equal(statusValue(diagnostics, "comparison", "frames_compared"), "1");
    assert.equal(statusValue(diagnostics, "comparison", "steering_disagreements"), "0");
    assert.equal(statusValue(diagnostics, "comparison", "steering_threshold"), "0.500");
  });

  it("runs the compared model only while someone subscribes to a comparison topic", async () => {
    const compareEngine = new OtherEngine();
    harness = await startHarness({
      parameters: { image_topics: [FRONT], compare_model: "/models/other.onnx" },
      compareModel: otherModel(compareEngine),
    });
    for (const topic of COMPARE) harness.node.subscriberCounts.set(topic, 0);
    harness.deliver(FRONT, rgbImage({}));
    await harness.tick(5);
    assert.equal(compareEngine.calls.length, 0);
    assert.equal(harness.steering("~/front/steering").length, 1, "the main model's outputs as ever");
    await harness.tick(1100);
    assert.equal(status(lastDiagnostics(harness), "comparison").message, "OK: no one subscribes");
    // Someone listens to the comparison only: the compared model runs, only that topic gets messages.
    harness.node.subscriberCounts.set(COMPARE[4], 1);
    harness.deliver(FRONT, rgbImage({ sec: 2 }));
    await harness.tick(5);
    assert.equal(compareEngine.calls.length, 1);
    assert.equal(comparisons(harness).length, 1);
    assert.equal(harness.steering("~/front/compare/steering").length, 0);
    assert.equal(harness.images("~/front/compare/mask").length, 0);
  });

  it("a compared model with its own spec gets its own input", async () => {
    const compareEngine = new OtherEngine();
    harness = await startHarness({
      parameters: { image_topics: [FRONT], compare_model: "/models/other.onnx" },
      compareModel: otherModel(compareEngine, { ...STUB_SPEC, scale: 2 / 255 }),
    });
    harness.deliver(FRONT, rgbImage({ red: 51 }));
    await harness.tick(5);
    assert.ok(Math.abs(compareEngine.calls[0].firstValues[0] - 0.4) < 1e-6);
    assert.ok(Math.abs(harness.steering("~/front/compare/steering")[0].curvature - 0.5) < 1e-6);
  });

  it("needs SaliencyComparison generated only with compare_model", async () => {
    const rcl = createFakeRcl({
      generatedTypes: [...STANDARD_TYPES, ...OWN_TYPES.filter((t) => !t.endsWith("SaliencyComparison"))],
      overrides: overrides({ image_topics: [FRONT], compare_model: "/models/other.onnx" }),
    });
    const node = new rcl.Node("visualbackprop");
    await assert.rejects(
      VisualBackPropNode.start(node, {
        rcl,
        loadModel: stubLoader(otherModel()),
        imageOps: STUB_IMAGE_OPS,
        defaultModelPath: "/opt/models/default.onnx",
      }),
      /message types visualbackprop\/msg\/SaliencyComparison are unknown to rclnodejs: build the package with colcon build/,
    );
  });

  it("loads compare_model with the model's method, LRP settings and session settings", async () => {
    const rcl = createFakeRcl({
      overrides: overrides({
        image_topics: [FRONT],
        method: "lrp",
        lrp_at: "conv1",
        lrp_epsilon: 0.001,
        intra_op_threads: 1,
        compare_model: "/models/candidate.onnx",
      }),
    });
    const loader = stubLoader(stubModel());
    const vbp = await VisualBackPropNode.start(new rcl.Node("visualbackprop"), {
      rcl,
      loadModel: loader,
      imageOps: STUB_IMAGE_OPS,
      defaultModelPath: "/opt/models/default.onnx",
    });
    await vbp.shutdown();
    assert.deepEqual(
      loader.requests.map((request) => request.modelPath),
      ["/opt/models/default.onnx", "/models/candidate.onnx"],
    );
    const [model, compare] = loader.requests.map(({ modelPath: _path, log: _log, ...settings }) => settings);
    assert.deepEqual(compare, model);
    assert.equal(compare.lrpAt, "conv1");
    assert.equal(compare.epsilon, 0.001);
  });

  it("a compare_model that will not load stops the start with one message naming it", async () => {
    await assert.rejects(
      startHarness({ parameters: { image_topics: [FRONT], compare_model: "/models/missing.onnx" } }),
      /cannot load compare_model '\/models\/missing.onnx': model '\/models\/missing.onnx' does not exist/,
    );
  });
});
