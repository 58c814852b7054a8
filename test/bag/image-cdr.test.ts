import * as assert from "node:assert/strict";
import { encodeImageShell } from "../../src/bag/image-cdr";
import { createSerializer } from "../../src/bag/serializer-factory";

const IMAGE = "sensor_msgs/msg/Image";

describe("bag/image-cdr: an Image serialised around pixels written in place", () => {
  const serializer = createSerializer();

  it("gives the bytes the serializer writes for the same message, whatever the frame_id's length", () => {
    for (const frameId of ["", "a", "ab", "abc", "camera_front_left"]) {
      for (const [encoding, width, height, channels] of [
        ["mono8", 5, 3, 1],
        ["rgb8", 4, 2, 3],
        ["rgb8", 1, 1, 3],
      ] as const) {
        const fields = {
          header: { stamp: { sec: 1_735_689_600, nanosec: 123_456_789 }, frame_id: frameId },
          height,
          width,
          encoding,
          is_bigendian: 0,
          step: width * channels,
        };
        const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + 11) % 256);
        const shell = encodeImageShell(serializer, IMAGE, fields, pixels.length);
        assert.equal(shell.data.buffer, shell.bytes.buffer, "the pixels are a view into the message");
        assert.ok(shell.data.every((v) => v === 0));
        shell.data.set(pixels);
        const expected = serializer.encode(IMAGE, { ...fields, data: pixels });
        assert.deepEqual(shell.bytes, expected, `${encoding} ${width}x${height}, frame_id "${frameId}"`);
      }
    }
  });

  it("gives each frame its own stamp when only the stamp changes (the head is encoded once)", () => {
    const fields = (sec: number, nanosec: number) => ({
      header: { stamp: { sec, nanosec }, frame_id: "cam" },
      height: 2,
      width: 2,
      encoding: "mono8",
      is_bigendian: 0,
      step: 2,
    });
    const pixels = new Uint8Array([1, 2, 3, 4]);
    for (const [sec, nanosec] of [
      [1, 2],
      [1_735_689_600, 999_999_999],
      [-5, 0],
      [0, 7],
    ]) {
      const shell = encodeImageShell(serializer, IMAGE, fields(sec, nanosec), 4);
      shell.data.set(pixels);
      assert.deepEqual(
        shell.bytes,
        serializer.encode(IMAGE, { ...fields(sec, nanosec), data: pixels }),
        `${sec}.${nanosec}`,
      );
    }
  });

  it("writes every byte before the pixels into a reused buffer, and refuses one of another length", () => {
    const fields = {
      header: { stamp: { sec: 7, nanosec: 9 }, frame_id: "front" },
      height: 2,
      width: 3,
      encoding: "rgb8",
      is_bigendian: 0,
      step: 9,
    };
    const fresh = encodeImageShell(serializer, IMAGE, fields, 18);
    const stale = encodeImageShell(serializer, IMAGE, fields, 18, (n) => new Uint8Array(n).fill(0xa5));
    assert.equal(stale.bytes.byteLength, fresh.bytes.byteLength);
    const head = fresh.bytes.byteLength - 18;
    assert.deepEqual(stale.bytes.subarray(0, head), fresh.bytes.subarray(0, head));
    assert.ok(
      stale.data.every((v) => v === 0xa5),
      "the pixels are left for the caller to write",
    );
    assert.throws(
      () => encodeImageShell(serializer, IMAGE, fields, 18, (n) => new Uint8Array(n + 1)),
      new RegExp(
        `image message: allocated ${fresh.bytes.byteLength + 1} bytes for ${fresh.bytes.byteLength}`,
      ),
    );
  });

  it("refuses a type that does not end in a byte sequence, and a bad pixel count", () => {
    const fields = {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "x" },
      height: 1,
      width: 1,
      encoding: "mono8",
      is_bigendian: 0,
      step: 1,
    };
    const header = { stamp: { sec: 0, nanosec: 0 }, frame_id: "x" };
    assert.throws(
      () => encodeImageShell(serializer, "std_msgs/msg/Header", { ...fields, ...header }, 1),
      /image message: std_msgs\/msg\/Header does not end in its pixel data/,
    );
    assert.throws(() => encodeImageShell(serializer, IMAGE, fields, -1), /pixel byte count >= 0, got -1/);
  });
});
