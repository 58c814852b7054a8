import assert from "node:assert/strict";
import { explainParameterRefusals, parameterRefusal } from "../../src/ros/parameter-reasons";

const DOUBLE = 3;
const INTEGER = 2;
const STRING = 4;

/** The shape of rclnodejs 2.2.0's ParameterDescriptor for a double in [from, to]. */
function descriptor(options: { readOnly?: boolean; type?: number; range?: [number, number] }) {
  const range =
    options.range === undefined ? null : { fromValue: options.range[0], toValue: options.range[1] };
  return {
    readOnly: options.readOnly ?? false,
    type: options.type ?? DOUBLE,
    range,
    validateParameter(parameter: { value: unknown }) {
      const value = parameter.value as number;
      if (range !== null && (value < range.fromValue || value > range.toValue))
        throw new Error("out of range");
    },
  };
}

describe("parameter refusals (rclnodejs says 'does not  readonly')", () => {
  it("names the range, the type (with the decimal point hint) and read-only", () => {
    const opacity = descriptor({ range: [0, 1] });
    assert.equal(
      parameterRefusal(opacity, { name: "overlay_opacity", type: DOUBLE, value: 7 }, false),
      "overlay_opacity must be in [0, 1], got 7",
    );
    assert.equal(
      parameterRefusal(opacity, { name: "overlay_opacity", type: INTEGER, value: 1n }, false),
      "overlay_opacity must be a double (got integer; write doubles with a decimal point, e.g. 1.0)",
    );
    assert.equal(
      parameterRefusal(
        descriptor({ readOnly: true, type: STRING }),
        { name: "model", type: STRING, value: "x" },
        false,
      ),
      "model is read-only; restart the node to change it",
    );
    assert.equal(
      parameterRefusal(opacity, { name: "overlay_opacity", type: DOUBLE, value: 0.3 }, false),
      undefined,
    );
  });

  it("wraps a Node class's _validateParameters once, keeping its successes", () => {
    const descriptors = new Map([["overlay_opacity", descriptor({ range: [0, 1] })]]);
    class FakeNode {
      _validateParameters(parameters: { name: string; type: number; value: unknown }[]) {
        const ok = parameters.every((parameter) => (parameter.value as number) <= 1);
        return ok
          ? { successful: true, reason: null }
          : { successful: false, reason: "Parameter overlay_opacity does not  readonly" };
      }
      hasParameterDescriptor(name: string) {
        return descriptors.has(name);
      }
      getParameterDescriptor(name: string) {
        return descriptors.get(name)!;
      }
    }
    explainParameterRefusals(FakeNode);
    explainParameterRefusals(FakeNode);
    const node = new FakeNode();
    assert.deepEqual(node._validateParameters([{ name: "overlay_opacity", type: DOUBLE, value: 0.5 }]), {
      successful: true,
      reason: null,
    });
    assert.deepEqual(node._validateParameters([{ name: "overlay_opacity", type: DOUBLE, value: 7 }]), {
      successful: false,
      reason: "overlay_opacity must be in [0, 1], got 7",
    });
  });
});
