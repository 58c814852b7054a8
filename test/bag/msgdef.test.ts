import * as assert from "node:assert/strict";
import { MessageRegistry } from "../../src/bag/msg-registry";
import { fullTypeName, parseMsgDefinition, parseRos2MsgSchema } from "../../src/bag/msgdef";

describe("bag/msgdef: .msg parsing", () => {
  it("parses builtin types, arrays, bounds, constants and defaults", () => {
    const def = parseMsgDefinition(
      [
        "# comment line",
        "uint8 MODE_A=1   # a constant",
        'string NAME="a # not a comment"',
        "int64 BIG=-9223372036854775808",
        "bool flag true",
        "float64 gain 0.5",
        "int32[] values [1, 2, 3]",
        "uint8[16] fixed",
        "float32[<=4] bounded",
        "string<=8 short",
        "string<=5[<=3] names",
        "Header header",
        "geometry_msgs/Point point",
        "Inner inner   # same package",
      ].join("\n"),
      "my_pkg/Thing",
    );
    assert.equal(def.name, "my_pkg/msg/Thing");
    assert.deepEqual(
      def.constants.map((c) => [c.name, c.type, c.value]),
      [
        ["MODE_A", "uint8", 1],
        ["NAME", "string", "a # not a comment"],
        ["BIG", "int64", -9223372036854775808n],
      ],
    );
    const byName = Object.fromEntries(def.fields.map((f) => [f.name, f]));
    assert.equal(byName.flag.defaultValue, true);
    assert.equal(byName.gain.defaultValue, 0.5);
    assert.deepEqual(byName.values.defaultValue, [1, 2, 3]);
    assert.equal(byName.fixed.arrayLength, 16);
    assert.equal(byName.bounded.arrayUpperBound, 4);
    assert.equal(byName.bounded.arrayLength, undefined);
    assert.equal(byName.short.stringUpperBound, 8);
    assert.equal(byName.names.stringUpperBound, 5);
    assert.equal(byName.names.arrayUpperBound, 3);
    assert.equal(byName.header.type, "std_msgs/msg/Header");
    assert.equal(byName.point.type, "geometry_msgs/msg/Point");
    assert.equal(byName.inner.type, "my_pkg/msg/Inner");
    assert.equal(byName.inner.isComplex, true);
  });

  const bad: [string, RegExp][] = [
    ["uint8 X=300", /out of range for uint8/],
    ["float32[] bad_default [1, x]", /expected a number/],
    ["uint8", /expected "type name"/],
    ["int32 9bad", /expected a field name/],
  ];
  for (const [text, error] of bad) {
    it(`rejects ${JSON.stringify(text)} naming the problem`, () => {
      assert.throws(() => parseMsgDefinition(text, "p/T"), error);
    });
  }

  it("normalises type names", () => {
    assert.equal(fullTypeName("std_msgs/Header"), "std_msgs/msg/Header");
    assert.equal(fullTypeName("std_msgs/msg/Header"), "std_msgs/msg/Header");
    assert.equal(fullTypeName("LayerMask", "visualbackprop"), "visualbackprop/msg/LayerMask");
    assert.throws(() => fullTypeName("Nope"), /expected "pkg\/Type"/);
  });

  it("splits a concatenated ros2msg schema into the root and its dependencies", () => {
    const text = [
      "std_msgs/Header header",
      "uint8[] data",
      "",
      "=".repeat(80),
      "MSG: std_msgs/Header",
      "builtin_interfaces/Time stamp",
      "string frame_id",
      "",
      "=".repeat(80),
      "MSG: builtin_interfaces/Time",
      "int32 sec",
      "uint32 nanosec",
    ].join("\n");
    const defs = parseRos2MsgSchema(text, "sensor_msgs/msg/Blob");
    assert.deepEqual(
      defs.map((d) => [d.name, d.fields.map((f) => f.name)]),
      [
        ["sensor_msgs/msg/Blob", ["header", "data"]],
        ["std_msgs/msg/Header", ["stamp", "frame_id"]],
        ["builtin_interfaces/msg/Time", ["sec", "nanosec"]],
      ],
    );
  });

  it("builds the full schema text of the package's own types from msg/*.msg, round-trippable", () => {
    const registry = MessageRegistry.withBuiltins();
    const text = registry.ros2MsgSchema("visualbackprop/msg/Saliency");
    assert.match(text, /^# VisualBackProp saliency/);
    assert.match(text, /\n={80}\nMSG: std_msgs\/Header\n/);
    assert.match(text, /\n={80}\nMSG: builtin_interfaces\/Time\n/);
    assert.match(text, /\n={80}\nMSG: visualbackprop\/LayerMask\n/);
    const defs = parseRos2MsgSchema(text, "visualbackprop/msg/Saliency");
    assert.deepEqual(defs.map((d) => d.name).sort(), [
      "builtin_interfaces/msg/Time",
      "std_msgs/msg/Header",
      "visualbackprop/msg/LayerMask",
      "visualbackprop/msg/Saliency",
    ]);
    for (const type of [
      "visualbackprop/msg/SteeringCommand",
      "sensor_msgs/msg/Image",
      "sensor_msgs/msg/CompressedImage",
      "std_msgs/msg/Float32",
    ]) {
      assert.ok(registry.has(type), type);
    }
    assert.throws(() => registry.get("foo_msgs/msg/Bar"), /unknown message type "foo_msgs\/msg\/Bar"/);
  });
});
