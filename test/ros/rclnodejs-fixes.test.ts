import assert from "node:assert/strict";
import { describeRangesInMessageShape } from "../../src/ros/parameter-descriptor-ranges";
import { readFullyQualifiedParameterSections } from "../../src/ros/parameter-sections";
import { nodeOptions } from "../../src/ros/rclnodejs-adapter";

interface Override {
  name: string;
  type: number;
  value: unknown;
}

describe("rclnodejs 2.2.0 fixes", () => {
  it("parameter files: the section of the fully qualified node name counts, above /**", () => {
    // Sections as rcl parses them; rclnodejs looks up '/**' and the bare name only.
    const sections = new Map<string, Override[]>([
      [
        "/**",
        [
          { name: "image_topics", type: 9, value: ["/camera/image_raw"] },
          { name: "model", type: 4, value: "" },
        ],
      ],
      ["/car/visualbackprop", [{ name: "image_topics", type: 9, value: ["/cameras/front/image_raw"] }]],
    ]);
    class FakeNode {
      name(): string {
        return "visualbackprop";
      }
      namespace(): string {
        return "/car";
      }
      _getNativeParameterOverrides(): Map<string, Override> {
        const overrides = new Map<string, Override>();
        for (const key of ["/**", this.name()])
          for (const o of sections.get(key) ?? []) overrides.set(o.name, o);
        return overrides;
      }
    }
    readFullyQualifiedParameterSections(FakeNode);
    const node = new FakeNode();
    const overrides = node._getNativeParameterOverrides();
    assert.deepEqual(overrides.get("image_topics")?.value, ["/cameras/front/image_raw"]);
    assert.equal(overrides.get("model")?.value, "");
    assert.equal(node.name(), "visualbackprop", "name() is the node's again afterwards");
  });

  it("describe_parameters carries the range in the message's shape", () => {
    class FakeDescriptor {
      readonly type = 3;
      readonly range = { fromValue: 0, toValue: 1, step: 0 };
      toMessage(): Record<string, unknown> {
        return { name: "overlay_opacity", type: 3 };
      }
    }
    describeRangesInMessageShape(FakeDescriptor);
    assert.deepEqual(new FakeDescriptor().toMessage().floating_point_range, [
      { from_value: 0, to_value: 1, step: 0 },
    ]);
  });

  it("on Humble, rclnodejs leaves the /rosout publisher to rcl (no 'Publisher already registered')", () => {
    assert.deepEqual(nodeOptions("humble"), { enableRosout: false });
    assert.deepEqual(nodeOptions("jazzy"), {});
  });
});
