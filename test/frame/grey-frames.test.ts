import * as assert from "node:assert/strict";
import { renderDifferenceImage } from "../../src/frame/comparison";
import { decodeCameraImage } from "../../src/frame/frame-path";
import { imageToFrame, imageToRgbFrame, type RawImage } from "../../src/image/encodings";
import { type GreyFrame, toRgbFrame } from "../../src/image/frame";
import { renderOverlayFromMono8 } from "../../src/image/overlay";
import { COLOR_SPACES, type PreprocessSpec, preprocess } from "../../src/image/preprocess";
import { assertInputClose } from "../image/tolerance";

/** A 37x23 mono8 image with 3 bytes of row padding (0xEE, never to reach the frame). */
function mono8(): { message: RawImage; pixels: Uint8Array } {
  const width = 37;
  const height = 23;
  const step = width + 3;
  const data = new Uint8Array(step * height).fill(0xee);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const value = (x * 37 + y * 101 + ((x * y) % 17)) % 256;
      data[y * step + x] = value;
      pixels[y * width + x] = value;
    }
  return { message: { encoding: "mono8", width, height, step, data, is_bigendian: 0 }, pixels };
}

describe("frame path: mono8 frames stay grey until a picture is drawn on them", () => {
  it("decodes mono8 (and mono16) to a one-channel frame of the camera's bytes, not widened to RGB", async () => {
    const { message, pixels } = mono8();
    const frame = await decodeCameraImage({ kind: "raw", message });
    assert.equal(frame.channels, 1);
    assert.deepEqual(frame.data, pixels);
    const mono16 = imageToFrame({
      encoding: "mono16",
      width: 2,
      height: 1,
      step: 5,
      data: Uint8Array.from([0x34, 0x12, 0xcd, 0xab, 0xee]),
      is_bigendian: 0,
    });
    assert.deepEqual(mono16, { width: 2, height: 1, channels: 1, data: Uint8Array.from([0x12, 0xab]) });
    // imageToRgbFrame still widens, for callers that want RGB.
    assert.deepEqual(imageToRgbFrame(message), toRgbFrame(frame));
  });

  it("preprocesses a grey frame to the values of its RGB widening, for every colour space and layout", () => {
    const frame = imageToFrame(mono8().message) as GreyFrame;
    const widened = toRgbFrame(frame);
    for (const colorSpace of COLOR_SPACES)
      for (const layout of ["nchw", "nhwc"] as const) {
        const spec: PreprocessSpec = {
          crop: { x: 0.1, y: 0.3, width: 0.8, height: 0.6 },
          width: 11,
          height: 5,
          colorSpace,
          layout,
          scale: 1 / 255,
          bias: -0.5,
        };
        // The grey frame takes the JavaScript loops (doubles), its widening the SIMD kernels (float32).
        assertInputClose(
          preprocess(frame, spec),
          preprocess(widened, spec),
          spec.scale,
          `${colorSpace} ${layout}`,
        );
      }
    // A grey model takes the camera's bytes exactly (no resize: the model's size).
    const exact = preprocess(frame, {
      crop: { x: 0, y: 0, width: 1, height: 1 },
      width: 37,
      height: 23,
      colorSpace: "grey",
      layout: "nchw",
      scale: 1,
      bias: 0,
    });
    assert.deepEqual(exact, Float32Array.from(frame.data));
  });

  it("draws the overlay and the difference image on a grey frame as on its RGB widening", () => {
    const frame = imageToFrame(mono8().message);
    const widened = toRgbFrame(frame);
    const levels = Uint8Array.from({ length: 37 * 23 }, (_, i) => (i * 13) % 256);
    const other = Uint8Array.from({ length: 37 * 23 }, (_, i) => (i * 29) % 256);
    const options = { colorMap: "jet", opacity: 0.4 } as const;
    assert.deepEqual(
      renderOverlayFromMono8(frame, levels, options),
      renderOverlayFromMono8(widened, levels, options),
    );
    assert.deepEqual(
      renderDifferenceImage(levels, other, frame),
      renderDifferenceImage(levels, other, widened),
    );
  });
});
