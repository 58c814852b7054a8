/**
 * compare_model on a real graph: the shipped model compared with itself, so every figure is
 * known (difference 0, IoU 1, no disagreement), through the generated SaliencyComparison type,
 * the difference image and the comparison's /diagnostics status.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { startNode } from "./checks";
import { installed, killAll, requireRosGraph } from "./graph";
import { probe, rawCamera } from "./probe";

const PREFIX = "/visualbackprop/camera/compare";

describe("visualbackprop_node compare_model on a real graph", function () {
  before(async function () {
    requireRosGraph(this);
    const model = path.join(installed().share, "models", "pilotnet.onnx");
    await startNode(["-p", `compare_model:=${model}`]);
  });
  after(killAll);

  it("publishes the comparison, the compared model's steering and the diff, stamped with the camera's stamp", async () => {
    const camera = rawCamera("/camera/image_raw");
    const result = await probe({
      publish: [camera],
      subscribe: [
        { topic: `${PREFIX}/comparison`, kind: "comparison" },
        { topic: `${PREFIX}/steering`, kind: "steering" },
        { topic: `${PREFIX}/diff`, kind: "image" },
        { topic: "/diagnostics", kind: "diagnostics" },
      ],
      rate_hz: 5,
      frames: 15,
      linger_s: 2.5,
    });
    const comparisons = result.received[`${PREFIX}/comparison`] ?? [];
    assert.ok(comparisons.length >= 5, `${comparisons.length} comparisons`);
    for (const c of comparisons) {
      assert.equal(c.mask_difference, 0);
      assert.equal(c.top_iou, 1);
      assert.equal(c.curvature_difference, 0);
      assert.equal(c.model_name, "pilotnet");
      assert.equal(c.compare_model_name, "pilotnet");
      assert.ok(
        c.latency_ms !== undefined && c.latency_ms > 0 && c.latency_ms < 10_000,
        "stamped from the camera",
      );
    }
    const steering = result.received[`${PREFIX}/steering`] ?? [];
    assert.ok(steering.length >= 5);
    assert.equal(steering[0].model_name, "pilotnet");
    const diff = result.received[`${PREFIX}/diff`] ?? [];
    assert.ok(diff.length >= 5);
    assert.equal(diff[0].encoding, "rgb8");
    assert.equal(diff[0].width, camera.width);
    const statuses = (result.received["/diagnostics"] ?? [])
      .flatMap((m) => m.status ?? [])
      .filter((s) => s.name.endsWith(": comparison"));
    const active = statuses.filter((s) => Number(s.values.frames_compared) > 0);
    assert.ok(active.length > 0, JSON.stringify(statuses));
    assert.equal(active[0].level, 0);
    assert.equal(active[0].message, "OK: the models agree");
    assert.equal(active[0].values.steering_disagreements, "0");
  });
});
