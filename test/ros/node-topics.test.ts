import assert from "node:assert/strict";
import { VisualBackPropNode } from "../../src/ros/node";
import { createFakeRcl } from "./fake-rclnodejs";
import { overrides } from "./harness";
import { STUB_IMAGE_OPS, stubLoader, stubModel } from "./stubs";

async function start(imageTopics: string[], remap: Record<string, string>) {
  const rcl = createFakeRcl({ overrides: overrides({ image_topics: imageTopics }) });
  const node = new rcl.Node("visualbackprop");
  // What rcl does with `--ros-args -r from:=to` (the fake has no remapping of its own).
  Object.assign(node, { resolveTopicName: (topic: string): string => remap[topic] ?? topic });
  const vbp = await VisualBackPropNode.start(node, {
    rcl,
    loadModel: stubLoader(stubModel()),
    imageOps: STUB_IMAGE_OPS,
    defaultModelPath: "/opt/models/default.onnx",
  });
  return { fake: rcl.nodes[0], vbp };
}

describe("visualbackprop_node camera topics", () => {
  it("names a remapped camera after the topic it really reads, and subscribes to the name as given", async () => {
    const { fake, vbp } = await start(["/camera/image_raw"], {
      "/camera/image_raw": "/cameras/front/image_raw",
    });
    assert.deepEqual(
      vbp.cameras.map((camera) => [camera.name, camera.topic]),
      [["front", "/cameras/front/image_raw"]],
    );
    assert.ok(fake.subscription("/camera/image_raw"), "rcl applies the remapping to the given name");
    assert.ok(fake.publisher("~/front/steering"));
    await vbp.shutdown();
  });

  it("splits an entry holding comma-separated topics (launch_xml's image_topics:=/a,/b)", async () => {
    const { vbp } = await start(["/cameras/front/image_raw,/cameras/rear/image_raw"], {});
    assert.deepEqual(
      vbp.cameras.map((camera) => camera.name),
      ["front", "rear"],
    );
    await vbp.shutdown();
  });
});
