import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { RgbFrame } from "../../src/image/frame";
import { renderOverlayFromMono8 } from "../../src/image/overlay";
import { mapMaskToMono8, preprocess, type PreprocessSpec } from "../../src/image/preprocess";
import { KERNELS_WASM_BASE64 } from "../../src/image/simd/kernels-wasm";
import {
  referenceMapMaskToFrame,
  referenceMaskToMono8,
  referenceOverlayFromMono8,
  referencePreprocess,
} from "./reference-kernels";
import { assertInputClose, assertLevelsClose } from "./tolerance";

const ROOT = path.join(__dirname, "..", "..", "..");

/** A deterministic pseudo-random frame, so every byte value and edge case turns up. */
function noiseFrame(width: number, height: number, seed: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return { width, height, data };
}

function noiseMask(width: number, height: number, seed: number): Float32Array {
  const frame = noiseFrame(width, height, seed);
  return Float32Array.from({ length: width * height }, (_, i) => frame.data[i * 3] / 255);
}

describe("WebAssembly SIMD image kernels", function () {
  this.timeout(60_000);

  it("ship the bytes that kernels.wat assembles to (run `node scripts/build-wasm.js` after editing it)", async () => {
    // The .wasm is committed (as base64) so that building and installing need no assembler.
    const { assemble } = (await import(pathToFileURL(path.join(ROOT, "scripts", "build-wasm.js")).href)) as {
      assemble(text: string): Promise<Buffer>;
    };
    const source = readFileSync(path.join(ROOT, "src", "image", "simd", "kernels.wat"), "utf8");
    const assembled = await assemble(source);
    assert.equal(assembled.toString("base64"), KERNELS_WASM_BASE64);
  });

  const base: PreprocessSpec = {
    crop: { x: 0, y: 0, width: 1, height: 1 },
    width: 10,
    height: 6,
    colorSpace: "yuv",
    layout: "nchw",
    scale: 1,
    bias: 0,
  };

  it("preprocess odd sizes and crops as the reference does, within float32 rounding (odd row counts, upscaling, one row)", () => {
    const cases: [number, number, PreprocessSpec][] = [
      [37, 23, { ...base, width: 13, height: 7 }],
      [37, 23, { ...base, crop: { x: 0.13, y: 0.31, width: 0.61, height: 0.37 }, width: 5, height: 3 }],
      [9, 5, { ...base, width: 31, height: 17, colorSpace: "rgb", layout: "nhwc" }],
      [64, 48, { ...base, crop: { x: 0.5, y: 0.5, width: 0.5, height: 0.02 }, width: 3, height: 1 }],
      [640, 480, { ...base, crop: { x: 0, y: 0.425, width: 1, height: 0.45 }, width: 200, height: 66 }],
      [1, 1, { ...base, width: 2, height: 2, colorSpace: "bgr" }],
    ];
    cases.forEach(([width, height, spec], i) => {
      const frame = noiseFrame(width, height, i + 1);
      const size = spec.width * spec.height * 3;
      const actual = preprocess(frame, spec, new Float32Array(size + 3), 3);
      const expected = referencePreprocess(frame, spec, new Float32Array(size + 3), 3);
      assert.deepEqual(actual.subarray(0, 3), new Float32Array(3), "values before the offset untouched");
      assertInputClose(actual, expected, spec.scale, `${width}x${height} ${JSON.stringify(spec)}`);
    });
  });

  it("preprocess into a dirty batch tensor, every colour space and layout, touching only its own values", () => {
    const cases: [number, number, PreprocessSpec][] = [
      [37, 23, { ...base, width: 13, height: 7, layout: "nhwc" }],
      [
        101,
        77,
        {
          ...base,
          crop: { x: 0.13, y: 0.31, width: 0.61, height: 0.37 },
          width: 7,
          height: 5,
          colorSpace: "bgr",
        },
      ],
      [
        53,
        41,
        {
          ...base,
          crop: { x: 0.05, y: 0.2, width: 0.9, height: 0.55 },
          width: 9,
          height: 6,
          colorSpace: "rgb",
        },
      ],
      [
        640,
        480,
        {
          ...base,
          crop: { x: 0, y: 0.425, width: 1, height: 0.45 },
          width: 200,
          height: 66,
          scale: 1 / 127.5,
          bias: -1,
        },
      ],
      [15, 11, { ...base, width: 31, height: 19, colorSpace: "bgr", layout: "nhwc", scale: 2, bias: 0.25 }],
    ];
    cases.forEach(([width, height, spec], i) => {
      const frame = noiseFrame(width, height, i + 11);
      const size = spec.width * spec.height * 3;
      // The second image of a batch of three, in a tensor holding another run's values and NaNs.
      const dirty = () => Float32Array.from({ length: size * 3 }, (_, j) => (j % 7 === 0 ? NaN : j * 0.37));
      const actual = preprocess(frame, spec, dirty(), size);
      const what = `${width}x${height} ${JSON.stringify(spec)}`;
      // Before and after its own values, the tensor is as it was, NaNs included.
      const before = dirty();
      assert.deepEqual(actual.subarray(0, size), before.subarray(0, size), what);
      assert.deepEqual(actual.subarray(2 * size), before.subarray(2 * size), what);
      assertInputClose(actual.subarray(size, 2 * size), referencePreprocess(frame, spec), spec.scale, what);
    });
  });

  it("map masks back to mono8 as the reference does, for odd widths and crops", () => {
    const cases: [number, number, PreprocessSpec][] = [
      [37, 23, { ...base, width: 13, height: 7 }],
      [101, 77, { ...base, crop: { x: 0.13, y: 0.31, width: 0.61, height: 0.37 }, width: 7, height: 5 }],
      [640, 480, { ...base, crop: { x: 0, y: 0.425, width: 1, height: 0.45 }, width: 200, height: 66 }],
      [33, 9, { ...base, width: 2, height: 2 }],
    ];
    cases.forEach(([width, height, spec], i) => {
      const mask = {
        width: spec.width,
        height: spec.height,
        data: noiseMask(spec.width, spec.height, i + 7),
      };
      // Values past both ends, which the quantiser clamps.
      mask.data[0] = -0.3;
      mask.data[mask.data.length - 1] = 1.7;
      assertLevelsClose(
        mapMaskToMono8(mask, spec, width, height),
        referenceMaskToMono8(referenceMapMaskToFrame(mask, spec, width, height)),
        `${width}x${height} ${JSON.stringify(spec)}`,
      );
    });
  });

  it("blends runs of one level (the rows outside the crop, a quiet mask) as the reference does", () => {
    // Every level as a run of 16 at a step's start, then as a run the steps cut in two, then a
    // run of 16 with one pixel off by one: the uniform path, partly, and not at all.
    const levels: number[] = [];
    for (let level = 0; level < 256; level++) {
      levels.push(...Array.from({ length: 16 }, () => level));
      levels.push(...Array.from({ length: 8 }, (_, i) => (level + i) & 255));
      levels.push(...Array.from({ length: 24 }, () => level));
      levels.push(...Array.from({ length: 16 }, (_, i) => (i === 9 ? (level + 1) & 255 : level)));
    }
    const pixels = levels.length;
    const frame = noiseFrame(pixels, 1, pixels);
    for (const colorMap of ["jet", "gray"] as const) {
      for (const opacity of [0, 0.45, 1]) {
        const options = { colorMap, opacity };
        assert.deepEqual(
          renderOverlayFromMono8(frame, Uint8Array.from(levels), options).data,
          referenceOverlayFromMono8(frame, Uint8Array.from(levels), options).data,
          `${colorMap} at ${opacity}`,
        );
      }
    }
  });

  it("blend every level and byte as the reference does, for pixel counts around the 16-pixel step", () => {
    for (const pixels of [1, 15, 16, 17, 33, 256 * 3]) {
      const frame = noiseFrame(pixels, 1, pixels);
      const levels = Uint8Array.from({ length: pixels }, (_, i) => (i * 37 + pixels) & 255);
      for (const colorMap of ["jet", "turbo", "inferno", "gray"] as const) {
        for (const opacity of [0, 0.3, 0.5, 1]) {
          const options = { colorMap, opacity };
          assert.deepEqual(
            renderOverlayFromMono8(frame, levels, options).data,
            referenceOverlayFromMono8(frame, levels, options).data,
            `${pixels} pixels, ${colorMap} at ${opacity}`,
          );
        }
      }
    }
  });
});
