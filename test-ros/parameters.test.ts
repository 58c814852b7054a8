/**
 * `ros2 param set` and `ros2 param describe` against the running node, for every run-time
 * parameter: a good value is taken; a bad one is refused with a reason that names the allowed
 * range, type or choices; read-only parameters say so.
 */
import assert from "node:assert/strict";
import { PARAMETER_DEFINITIONS, type ParameterDefinition } from "../src/ros/parameters";
import { startNode } from "./checks";
import { killAll, requireRosGraph, run, type RosProcess } from "./graph";

const NODE = "/visualbackprop";

/** A good and a bad value of a run-time parameter, as typed on the command line, and what the refusal must say. */
function cases(definition: ParameterDefinition): { good: string; bad: { value: string; reason: RegExp }[] } {
  switch (definition.kind) {
    case "bool":
      return { good: String(!definition.defaultValue), bad: [{ value: "maybe", reason: /must be a bool/ }] };
    case "double": {
      const { from, to } = definition.range!;
      const range = new RegExp(`\\[${from}, ${to}\\]`);
      return {
        good: Number.isInteger((from + to) / 2) ? ((from + to) / 2).toFixed(1) : String((from + to) / 2),
        bad: [
          { value: (to + 1).toFixed(1), reason: range },
          { value: (from - 1).toFixed(1), reason: range },
          // An integer literal is typed integer by ROS 2: say how to write a double.
          { value: String(Math.ceil(from)), reason: /must be a double.*decimal point/ },
        ],
      };
    }
    case "string":
      return {
        good: definition.choices!.find((choice) => choice !== definition.defaultValue)!,
        bad: [{ value: "no_such_choice", reason: new RegExp(`one of ${definition.choices!.join(", ")}`) }],
      };
    default:
      throw new Error(`no cases for ${definition.name}`);
  }
}

async function paramSet(name: string, value: string): Promise<string> {
  const result = await run("ros2", ["param", "set", NODE, name, value], 60_000);
  return result.output;
}

describe("parameters of visualbackprop_node on a real graph", function () {
  let node: RosProcess;
  before(async function () {
    requireRosGraph(this);
    node = await startNode();
  });
  after(killAll);

  for (const definition of PARAMETER_DEFINITIONS.filter((d) => !d.readOnly)) {
    it(`ros2 param set ${definition.name}: a good value is taken, bad ones refused with the allowed values`, async () => {
      const { good, bad } = cases(definition);
      assert.match(await paramSet(definition.name, good), /Set parameter successful/);
      const got = await run("ros2", ["param", "get", NODE, definition.name]);
      assert.match(got.output, new RegExp(`value is: ${good}`, "i"), got.output);
      for (const { value, reason } of bad) {
        const output = await paramSet(definition.name, value);
        assert.match(output, /Setting parameter failed/, `${definition.name}=${value}: ${output}`);
        assert.match(output, reason, `${definition.name}=${value}: ${output}`);
      }
    });
  }

  it("a read-only parameter is refused with the reason", async () => {
    const output = await paramSet("model", "/tmp/other.onnx");
    assert.match(output, /Setting parameter failed: model is read-only; restart the node/, output);
  });

  it("ros2 param describe shows ranges and choices", async () => {
    const opacity = await run("ros2", ["param", "describe", NODE, "overlay_opacity"]);
    assert.match(opacity.output, /Min value: 0\.0\s+Max value: 1\.0/, opacity.output);
    const threads = await run("ros2", ["param", "describe", NODE, "intra_op_threads"]);
    assert.match(threads.output, /Read only: true[\s\S]*Min value: 0\s+Max value: 256/, threads.output);
    const colours = await run("ros2", ["param", "describe", NODE, "overlay_color_map"]);
    assert.match(colours.output, /Additional constraints: one of: jet/, colours.output);
  });

  it("logs each change it applies", () => {
    assert.match(node.output, /parameters changed: overlay_opacity=0\.5/);
  });
});
