import assert from "node:assert/strict";
import sharp from "sharp";
import {
  compressedToRgbFrame,
  ImageConversionError,
  imageToRgbFrame,
  type RawImage,
  SUPPORTED_ENCODINGS,
} from "../../src/image/encodings";
import { FULL_FRAME, preprocess } from "../../src/image/preprocess";

/** Rows of bytes, each padded with `padding` bytes of 0xEE (values that must never reach the frame). */
function padded(rows: number[][], padding: number): Uint8Array {
  return Uint8Array.from(rows.flatMap((row) => [...row, ...new Array<number>(padding).fill(0xee)]));
}

function image(
  encoding: string,
  width: number,
  height: number,
  step: number,
  data: Uint8Array,
  bigEndian = 0,
): RawImage {
  return { encoding, width, height, step, data, is_bigendian: bigEndian };
}

function pixels(frame: { data: Uint8Array }): number[] {
  return Array.from(frame.data);
}

function rejects(reason: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof ImageConversionError, `expected ImageConversionError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  };
}

describe("image encodings: sensor_msgs/Image to RGB", () => {
  it("lists every encoding the node promises", () => {
    for (const encoding of ["rgb8", "bgr8", "rgba8", "bgra8", "mono8", "yuv422", "yuv422_yuy2"]) {
      assert.ok(SUPPORTED_ENCODINGS.includes(encoding), encoding);
    }
  });

  it("rgb8 with a 1-byte row padding", () => {
    const data = padded(
      [
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10, 11, 12],
      ],
      1,
    );
    const frame = imageToRgbFrame(image("rgb8", 2, 2, 7, data));
    assert.deepEqual([frame.width, frame.height], [2, 2]);
    assert.deepEqual(pixels(frame), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("borrows a tightly packed rgb8 image's bytes when asked, and copies everything else", () => {
    const data = Uint8Array.from({ length: 2 * 2 * 3 + 5 }, (_, i) => i);
    const tight = data.subarray(5);
    const borrowed = imageToRgbFrame(image("rgb8", 2, 2, 6, tight), { borrow: true });
    assert.equal(borrowed.data.buffer, data.buffer, "a view of the message bytes");
    assert.deepEqual(pixels(borrowed), Array.from(tight));
    assert.notEqual(
      imageToRgbFrame(image("rgb8", 2, 2, 6, tight)).data.buffer,
      data.buffer,
      "a copy by default",
    );
    const paddedRows = padded(
      [
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10, 11, 12],
      ],
      1,
    );
    const copied = imageToRgbFrame(image("rgb8", 2, 2, 7, paddedRows), { borrow: true });
    assert.notEqual(copied.data.buffer, paddedRows.buffer, "padded rows are copied");
    assert.deepEqual(pixels(copied), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const bgr = imageToRgbFrame(image("bgr8", 1, 1, 3, Uint8Array.of(3, 2, 1)), { borrow: true });
    assert.deepEqual(pixels(bgr), [1, 2, 3], "other encodings are converted");
  });

  it("bgr8 swaps blue and red, with a 3-byte padding", () => {
    const data = padded(
      [
        [30, 20, 10, 60, 50, 40],
        [90, 80, 70, 120, 110, 100],
      ],
      3,
    );
    const frame = imageToRgbFrame(image("bgr8", 2, 2, 9, data));
    assert.deepEqual(pixels(frame), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  });

  it("rgba8 drops alpha, with an odd step", () => {
    const data = padded([[1, 2, 3, 255, 4, 5, 6, 0, 7, 8, 9, 128]], 1);
    const frame = imageToRgbFrame(image("rgba8", 3, 1, 13, data));
    assert.deepEqual(pixels(frame), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("bgra8 swaps and drops alpha, two padded rows", () => {
    const data = padded(
      [
        [3, 2, 1, 255, 6, 5, 4, 255],
        [9, 8, 7, 0, 12, 11, 10, 0],
      ],
      5,
    );
    const frame = imageToRgbFrame(image("bgra8", 2, 2, 13, data));
    assert.deepEqual(pixels(frame), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("mono8 repeats grey into R, G and B, with a 2-byte padding", () => {
    const data = padded(
      [
        [0, 128, 255],
        [10, 20, 30],
      ],
      2,
    );
    const frame = imageToRgbFrame(image("mono8", 3, 2, 5, data));
    assert.deepEqual(
      pixels(frame),
      [0, 0, 0, 128, 128, 128, 255, 255, 255, 10, 10, 10, 20, 20, 20, 30, 30, 30],
    );
    // A single-channel model (spec colorSpace "grey") gets the camera's bytes exactly.
    const spec = {
      crop: FULL_FRAME,
      width: 3,
      height: 2,
      colorSpace: "grey",
      layout: "nchw",
      scale: 1,
      bias: 0,
    } as const;
    assert.deepEqual([...preprocess(frame, spec)], [0, 128, 255, 10, 20, 30]);
  });

  it("mono16 keeps the high byte and honours is_bigendian", () => {
    // Values 0x1234 and 0xABCD.
    const little = imageToRgbFrame(image("mono16", 2, 1, 5, padded([[0x34, 0x12, 0xcd, 0xab]], 1), 0));
    const big = imageToRgbFrame(image("mono16", 2, 1, 5, padded([[0x12, 0x34, 0xab, 0xcd]], 1), 1));
    assert.deepEqual(pixels(little), [0x12, 0x12, 0x12, 0xab, 0xab, 0xab]);
    assert.deepEqual(pixels(big), pixels(little));
  });

  // BT.601 limited range, OpenCV's fixed-point (cv_bridge converts these encodings with cvtColor).
  // Y U V -> R G B, computed by hand from R = 1.164(Y-16) + 1.596(V-128) ... with OpenCV's rounding:
  //   (16, 128, 128) -> black; (235, 128, 128) -> white; (81, 90, 240) -> (254, 0, 0);
  //   (145, 54, 34) -> (0, 255, 1); (41, 240, 110) -> (0, 0, 255). A pixel pair shares U and V.
  const YUV_EXPECTED = [
    [0, 0, 0, 255, 255, 255, 254, 0, 0, 254, 0, 0],
    [0, 255, 1, 0, 255, 1, 0, 0, 255, 0, 0, 255],
  ].flat();

  it("yuv422 (UYVY) with an odd step", () => {
    const data = padded(
      [
        [128, 16, 128, 235, 90, 81, 240, 81],
        [54, 145, 34, 145, 240, 41, 110, 41],
      ],
      3,
    );
    const frame = imageToRgbFrame(image("yuv422", 4, 2, 11, data));
    assert.deepEqual(pixels(frame), YUV_EXPECTED);
  });

  it("yuv422_yuy2 (YUYV) with an odd step", () => {
    const data = padded(
      [
        [16, 128, 235, 128, 81, 90, 81, 240],
        [145, 54, 145, 34, 41, 240, 41, 110],
      ],
      1,
    );
    const frame = imageToRgbFrame(image("yuv422_yuy2", 4, 2, 9, data));
    assert.deepEqual(pixels(frame), YUV_EXPECTED);
  });

  it("accepts a last row without its padding", () => {
    const data = Uint8Array.from([1, 2, 3, 0xee, 4, 5, 6]);
    const frame = imageToRgbFrame(image("rgb8", 1, 2, 4, data));
    assert.deepEqual(pixels(frame), [1, 2, 3, 4, 5, 6]);
  });

  it("returns its own buffer, so the middleware may reuse the message's", () => {
    const data = Uint8Array.from([1, 2, 3]);
    const frame = imageToRgbFrame(image("rgb8", 1, 1, 3, data));
    data[0] = 99;
    assert.equal(frame.data[0], 1);
  });

  it("reads encodings case-insensitively", () => {
    const frame = imageToRgbFrame(image("RGB8", 1, 1, 3, Uint8Array.from([1, 2, 3])));
    assert.deepEqual(pixels(frame), [1, 2, 3]);
  });

  describe("bad images", () => {
    it("unknown encoding names the supported ones", () => {
      assert.throws(
        () => imageToRgbFrame(image("bayer_rggb8", 2, 2, 2, new Uint8Array(4))),
        (error: unknown) => {
          rejects("unknown-encoding")(error);
          assert.match((error as Error).message, /bayer_rggb8.*rgb8.*yuv422_yuy2/);
          return true;
        },
      );
    });

    it("zero width or height", () => {
      assert.throws(() => imageToRgbFrame(image("rgb8", 0, 2, 0, new Uint8Array(0))), rejects("zero-size"));
      assert.throws(() => imageToRgbFrame(image("mono8", 4, 0, 4, new Uint8Array(0))), rejects("zero-size"));
    });

    it("step shorter than a row", () => {
      assert.throws(
        () => imageToRgbFrame(image("rgb8", 4, 2, 11, new Uint8Array(24))),
        (error: unknown) => {
          rejects("step-mismatch")(error);
          assert.match((error as Error).message, /step 11 .* 12 bytes/);
          return true;
        },
      );
    });

    it("truncated data", () => {
      assert.throws(
        () => imageToRgbFrame(image("rgb8", 4, 2, 12, new Uint8Array(20))),
        (error: unknown) => {
          rejects("truncated")(error);
          assert.match((error as Error).message, /20 bytes.*needs 24/);
          return true;
        },
      );
    });

    it("more data than step * height", () => {
      assert.throws(
        () => imageToRgbFrame(image("mono8", 2, 2, 2, new Uint8Array(5))),
        rejects("size-mismatch"),
      );
    });

    it("odd width for YUV 4:2:2", () => {
      assert.throws(() => imageToRgbFrame(image("yuv422", 3, 1, 6, new Uint8Array(6))), rejects("odd-width"));
    });
  });
});

describe("image encodings: sensor_msgs/CompressedImage to RGB", () => {
  const source = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);

  async function png(): Promise<Uint8Array> {
    return new Uint8Array(
      await sharp(Buffer.from(source), { raw: { width: 3, height: 2, channels: 3 } })
        .png()
        .toBuffer(),
    );
  }

  async function jpeg(channels: 1 | 3 = 3): Promise<Uint8Array> {
    const pixelsOf = channels === 3 ? Buffer.alloc(16 * 8 * 3, 120) : Buffer.alloc(16 * 8, 77);
    return new Uint8Array(
      await sharp(pixelsOf, { raw: { width: 16, height: 8, channels } })
        .jpeg({ quality: 95 })
        .toBuffer(),
    );
  }

  it("decodes PNG exactly, for plain and image_transport format strings and an empty one", async () => {
    const data = await png();
    for (const format of ["png", "bgr8; png compressed bgr8", ""]) {
      const frame = await compressedToRgbFrame({ format, data });
      assert.deepEqual([frame.width, frame.height], [3, 2], format);
      assert.deepEqual(pixels(frame), Array.from(source), format);
    }
  });

  it("decodes JPEG, colour and grey, to three channels", async () => {
    const colour = await compressedToRgbFrame({ format: "rgb8; jpeg compressed bgr8", data: await jpeg(3) });
    assert.deepEqual([colour.width, colour.height, colour.data.length], [16, 8, 16 * 8 * 3]);
    assert.ok(pixels(colour).every((value) => Math.abs(value - 120) <= 2));
    const grey = await compressedToRgbFrame({ format: "jpeg", data: await jpeg(1) });
    assert.equal(grey.data.length, 16 * 8 * 3);
    assert.ok(pixels(grey).every((value) => Math.abs(value - 77) <= 2));
  });

  it("drops alpha from an RGBA PNG", async () => {
    const rgba = await sharp(Buffer.from([1, 2, 3, 0, 4, 5, 6, 255]), {
      raw: { width: 2, height: 1, channels: 4 },
    })
      .png()
      .toBuffer();
    const frame = await compressedToRgbFrame({ format: "png", data: new Uint8Array(rgba) });
    assert.deepEqual(pixels(frame), [1, 2, 3, 4, 5, 6]);
  });

  it("rejects a truncated JPEG as corrupt", async () => {
    const data = await jpeg(3);
    await assert.rejects(
      compressedToRgbFrame({ format: "jpeg", data: data.subarray(0, data.length / 2) }),
      rejects("corrupt-compressed"),
    );
  });

  it("rejects bytes that are not what the format says", async () => {
    await assert.rejects(
      compressedToRgbFrame({ format: "jpeg", data: Uint8Array.from([1, 2, 3, 4]) }),
      rejects("corrupt-compressed"),
    );
    await assert.rejects(
      compressedToRgbFrame({ format: "png", data: await jpeg(3) }),
      rejects("corrupt-compressed"),
    );
    await assert.rejects(
      compressedToRgbFrame({ format: "jpeg", data: new Uint8Array(0) }),
      rejects("corrupt-compressed"),
    );
  });

  it("rejects formats other than JPEG and PNG", async () => {
    await assert.rejects(
      compressedToRgbFrame({ format: "tiff", data: await png() }),
      rejects("unknown-encoding"),
    );
    await assert.rejects(
      compressedToRgbFrame({ format: "16UC1; compressedDepth png", data: await png() }),
      rejects("unknown-encoding"),
    );
  });
});
