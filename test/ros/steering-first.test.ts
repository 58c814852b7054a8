import assert from "node:assert/strict";
import { type Harness, startHarness } from "./harness";
import { rgbImage } from "./stubs";

const FRONT = "/cameras/front/image_raw";
const REAR = "/cameras/rear/image_raw";

describe("visualbackprop_node: steering first", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it("publishes every camera's steering and saliency of a batch before any mask or overlay", async () => {
    harness = await startHarness({ parameters: { image_topics: [FRONT, REAR], sync_window_ms: 10.0 } });
    // One log of publishes across all topics, in the order the node made them.
    const order: string[] = [];
    for (const publisher of harness.node.publishers) {
      const publish = publisher.publish.bind(publisher);
      publisher.publish = (message: object) => {
        order.push(publisher.topic.replace(/^.*\/(front|rear)\//, "$1/"));
        publish(message);
      };
    }
    harness.deliver(FRONT, rgbImage({ red: 51, sec: 1 }));
    harness.deliver(REAR, rgbImage({ red: 102, sec: 2 }));
    await harness.tick(20);
    assert.equal(harness.engine.calls.length, 1);
    assert.equal(harness.engine.calls[0].batch, 2);
    const outputs = order.filter((topic) => /^(front|rear)\//.test(topic));
    assert.deepEqual(outputs, [
      "front/steering",
      "front/saliency",
      "rear/steering",
      "rear/saliency",
      "front/mask",
      "front/overlay",
      "rear/mask",
      "rear/overlay",
    ]);
  });
});
