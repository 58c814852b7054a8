import * as assert from "node:assert/strict";
import { CdrReader } from "@foxglove/cdr";
import { MessageRegistry } from "../../src/bag/msg-registry";
import { RosSerializer } from "../../src/bag/ros-serializer";
import type { Float32Msg, ImageMsg, SaliencyMsg, SteeringCommandMsg } from "../../src/bag/ros-types";
import { fixturePixels, fromHex, hex } from "./helpers";

const serializer = new RosSerializer(MessageRegistry.withBuiltins());

/**
 * Golden bytes recorded by rosbag2 (Humble, Cyclone DDS) in humble_sqlite3: steering message 1
 * (0.01 as float32) and the 52 bytes before the pixels of image 0.
 */
const GOLDEN_FLOAT32_1 = "00010000 0ad7233c";
const GOLDEN_IMAGE_0_PREFIX =
  "00010000 1dc8076b 906d4b39 06000000 66726f6e 74000000 30000000 40000000 05000000 72676238 00000000 c0000000 00240000";

describe("bag/cdr: golden bytes of real messages", () => {
  it("encodes std_msgs/Float32 0.01 exactly as rosbag2 recorded it", () => {
    const bytes = serializer.encode("std_msgs/msg/Float32", { data: 0.01 } satisfies Float32Msg);
    assert.equal(hex(bytes), GOLDEN_FLOAT32_1.replace(/ /g, ""));
    const back = serializer.decode<Float32Msg>("std_msgs/msg/Float32", bytes);
    assert.equal(back.data, Math.fround(0.01));
  });

  it("encodes sensor_msgs/Image frame 0 exactly as rosbag2 recorded it", () => {
    const image: ImageMsg = {
      header: { stamp: { sec: 1795672093, nanosec: 0x394b6d90 }, frame_id: "front" },
      height: 48,
      width: 64,
      encoding: "rgb8",
      is_bigendian: 0,
      step: 192,
      data: fixturePixels(0),
    };
    const bytes = serializer.encode("sensor_msgs/msg/Image", image);
    assert.equal(bytes.byteLength, 9268);
    assert.equal(hex(bytes.subarray(0, 52)), GOLDEN_IMAGE_0_PREFIX.replace(/ /g, ""));
    const back = serializer.decode<ImageMsg>("sensor_msgs/msg/Image", bytes);
    assert.deepEqual(back, image);
    assert.ok(back.data instanceof Uint8Array);
    assert.notEqual(back.data.buffer, bytes.buffer, "a copy by default");
    // borrowBytes: the same values as a view of the input, which later changes show through.
    const borrowed = serializer.decode<ImageMsg>("sensor_msgs/msg/Image", bytes, { borrowBytes: true });
    assert.deepEqual(borrowed, image);
    assert.equal(borrowed.data.buffer, bytes.buffer);
    bytes[bytes.byteLength - 1] ^= 0xff;
    assert.equal(borrowed.data[borrowed.data.length - 1], image.data[image.data.length - 1] ^ 0xff);
    assert.deepEqual(serializer.decode<ImageMsg>("sensor_msgs/msg/Image", bytes).header, image.header);
  });
});

describe("bag/cdr: alignment and types", () => {
  const registry = MessageRegistry.withBuiltins();
  registry.addMsgText(
    "test_msgs/msg/Mixed",
    [
      "uint8 a",
      "float64 b", // 8-byte aligned relative to after the header
      "int16 c",
      "int64 d",
      "bool e",
      "uint64[] f",
      "float32[3] g",
      "string s",
      "string[] names",
      "Inner[2] inner",
      "float64[] empty",
      "int8 h",
    ].join("\n"),
  );
  registry.addMsgText("test_msgs/msg/Inner", "uint8 x\nfloat32 y");
  const s = new RosSerializer(registry);

  const cases: { name: string; type: string; value: object; hex: string }[] = [
    {
      name: "uint8 then float64 pads 7 bytes",
      type: "test_msgs/msg/Mixed",
      value: {
        a: 1,
        b: 2.5,
        c: -2,
        d: -1n,
        e: true,
        f: new BigUint64Array([7n]),
        g: new Float32Array([1, 2, 3]),
        s: "hi",
        names: ["", "ab"],
        inner: [
          { x: 1, y: 0.5 },
          { x: 2, y: 1 },
        ],
        empty: new Float64Array(0),
        h: -1,
      },
      hex: [
        "00010000", // header
        "01 00000000000000", // a, pad to 8
        "0000000000000440", // b = 2.5
        "feff 000000000000", // c, pad to 8
        "ffffffffffffffff", // d
        "01 000000", // e, pad to 4
        "01000000 0700000000000000", // f: count, element (already 8-aligned)
        "0000803f 00000040 00004040", // g
        "03000000 686900 00", // s "hi\0", pad
        "02000000 01000000 00 000000 03000000 616200", // names: "", "ab"
        "01 0000003f", // inner[0]: x, then y already 4-aligned
        "02 000000 0000803f", // inner[1]: x, pad 3, y
        "00000000", // empty: count 0, no padding
        "ff", // h
      ].join(""),
    },
  ];
  for (const c of cases) {
    it(`${c.name}: encodes to known bytes and back`, () => {
      const bytes = s.encode(c.type, c.value);
      assert.equal(hex(bytes), c.hex.replace(/ /g, ""));
      const back = s.decode(c.type, bytes);
      assert.deepEqual(back, c.value);
      assert.equal(hex(s.encode(c.type, back)), hex(bytes));
    });
  }

  it("fills missing fields with defaults and zeros", () => {
    registry.addMsgText("test_msgs/msg/Defaults", 'int32 a 5\nstring b "x"\nfloat32[] c [1.5]\nint32 d');
    const back = s.decode("test_msgs/msg/Defaults", s.encode("test_msgs/msg/Defaults", {}));
    assert.deepEqual(back, { a: 5, b: "x", c: new Float32Array([1.5]), d: 0 });
  });

  it("accepts plain arrays where typed arrays are decoded", () => {
    const a = s.encode("test_msgs/msg/Defaults", { c: [1, 2] });
    const b = s.encode("test_msgs/msg/Defaults", { c: new Float32Array([1, 2]) });
    assert.equal(hex(a), hex(b));
  });

  it("round-trips the package's own messages byte-identically", () => {
    const steering: SteeringCommandMsg = {
      header: { stamp: { sec: 10, nanosec: 5 }, frame_id: "front" },
      curvature: Math.fround(0.02),
      steering_wheel_angle: Math.fround(-0.4),
      model_name: "pilotnet",
    };
    const saliency: SaliencyMsg = {
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: "cam" },
      method: "vbp",
      height: 2,
      width: 3,
      mask: new Float32Array([0, 0.25, 0.5, 0.75, 1, 0]),
      layers: [{ layer: "conv1", height: 1, width: 2, mask: new Float32Array([0.5, 1]) }],
      preprocess_ms: 1,
      inference_ms: 2,
      visualbackprop_ms: 3,
      total_ms: 6,
      frames_dropped: 4,
    };
    for (const [type, msg] of [
      ["visualbackprop/msg/SteeringCommand", steering],
      ["visualbackprop/msg/Saliency", saliency],
    ] as const) {
      const bytes = s.encode(type, msg);
      const back = s.decode(type, bytes);
      assert.deepEqual(back, msg);
      assert.equal(hex(s.encode(type, back)), hex(bytes));
    }
  });

  it("reports short data and bad input with the type and field", () => {
    assert.throws(
      () => s.decode("std_msgs/msg/Float32", fromHex("00010000 0000")),
      /cannot decode std_msgs\/msg\/Float32.*float32/,
    );
    assert.throws(
      () => s.decode("std_msgs/msg/Float32", fromHex("0203 0000 00000000")),
      /unsupported encapsulation header 02 03 00 00/,
    );
    assert.throws(() => s.encode("std_msgs/msg/Float32", { data: "x" }), /Float32\.data: expected a number/);
    assert.throws(
      () => s.encode("test_msgs/msg/Mixed", { g: [1, 2] }),
      /\.g: expected exactly 3 elements, got 2/,
    );
    assert.throws(() => s.encode("nope_msgs/msg/X", {}), /unknown message type/);
  });

  it("writes non-ASCII strings as UTF-8 with their byte length (the library alone cuts them)", () => {
    const bytes = serializer.encode("std_msgs/msg/Header", {
      stamp: { sec: 0, nanosec: 0 },
      frame_id: "kaméra→",
    });
    assert.equal(hex(bytes), "00010000 00000000 00000000 0b000000 6b616dc3a97261e2869200".replace(/ /g, ""));
    assert.equal(serializer.decode<{ frame_id: string }>("std_msgs/msg/Header", bytes).frame_id, "kaméra→");
  });

  it("refuses a message cut short inside a larger buffer, and decoded arrays own their memory", () => {
    const image = { header: { stamp: { sec: 1, nanosec: 2 }, frame_id: "f" }, height: 1, width: 2, step: 6 };
    const bytes = serializer.encode("sensor_msgs/msg/Image", { ...image, data: new Uint8Array(6).fill(9) });
    const inChunk = new Uint8Array(bytes.byteLength + 16);
    inChunk.set(bytes);
    assert.throws(
      () => serializer.decode("sensor_msgs/msg/Image", inChunk.subarray(0, bytes.byteLength - 3)),
      /cannot decode sensor_msgs\/msg\/Image \(\d+ bytes\): sensor_msgs\/msg\/Image\.data: 6 elements of uint8/,
    );
    const back = serializer.decode<ImageMsg>("sensor_msgs/msg/Image", inChunk.subarray(0, bytes.byteLength));
    assert.notEqual(back.data.buffer, inChunk.buffer);
    assert.deepEqual([...back.data], [9, 9, 9, 9, 9, 9]);
  });

  it("reads big-endian CDR too", () => {
    const r = new CdrReader(fromHex("00000000 00000001 00000000 3ff00000 00000000"));
    assert.equal(r.uint32(), 1);
    assert.equal(r.float64(), 1);
  });
});
