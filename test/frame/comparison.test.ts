import * as assert from "node:assert/strict";
import {
  compareMasks,
  meanAbsMaskDifference,
  renderDifferenceImage,
  topFractionIoU,
  topLevel,
} from "../../src/frame/comparison";
import { buildComparisonOutputs } from "../../src/frame/compare-path";

const mask = (...values: number[]): Uint8Array => Uint8Array.from(values);
/** A 10x10 mask with `value` in the given pixels, 0 elsewhere. */
function spots(pixels: readonly number[], value = 200): Uint8Array {
  const out = new Uint8Array(100);
  for (const p of pixels) out[p] = value;
  return out;
}
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe("frame/comparison: how differently two masks look", () => {
  describe("mean absolute difference, scaled to [0, 1]", () => {
    const cases: { what: string; a: Uint8Array; b: Uint8Array; expected: number }[] = [
      { what: "a mask with itself", a: mask(0, 17, 255, 128), b: mask(0, 17, 255, 128), expected: 0 },
      { what: "black against white", a: mask(0, 0, 0, 0), b: mask(255, 255, 255, 255), expected: 1 },
      { what: "white against black (symmetric)", a: mask(255, 255), b: mask(0, 0), expected: 1 },
      { what: "one of four pixels full", a: mask(255, 0, 0, 0), b: mask(0, 0, 0, 0), expected: 0.25 },
      { what: "signs cancel nowhere", a: mask(51, 0), b: mask(0, 51), expected: 0.2 },
    ];
    for (const c of cases)
      it(c.what, () => assert.ok(Math.abs(meanAbsMaskDifference(c.a, c.b) - c.expected) < 1e-12));
  });

  describe("the top level: the ceil(fraction * n)-th largest value", () => {
    const cases: { what: string; m: Uint8Array; fraction: number; expected: number }[] = [
      { what: "the largest of 20 for 5 %", m: Uint8Array.from(range(0, 20)), fraction: 0.05, expected: 19 },
      {
        what: "the 2nd largest of 21 for 5 % (ceil)",
        m: Uint8Array.from(range(0, 21)),
        fraction: 0.05,
        expected: 19,
      },
      { what: "everything for 100 %", m: mask(9, 3, 7), fraction: 1, expected: 3 },
      { what: "a flat mask: its one level", m: mask(4, 4, 4, 4), fraction: 0.05, expected: 4 },
      { what: "an empty (black) mask: 0", m: new Uint8Array(50), fraction: 0.05, expected: 0 },
    ];
    for (const c of cases) it(c.what, () => assert.equal(topLevel(c.m, c.fraction), c.expected));
  });

  describe("IoU of the top 5 %", () => {
    const cases: { what: string; a: Uint8Array; b: Uint8Array; expected: number }[] = [
      { what: "a mask with itself", a: spots(range(0, 5)), b: spots(range(0, 5)), expected: 1 },
      {
        what: "the same place at another strength",
        a: spots(range(0, 5), 90),
        b: spots(range(0, 5), 250),
        expected: 1,
      },
      { what: "different places", a: spots(range(0, 5)), b: spots(range(50, 55)), expected: 0 },
      { what: "3 of 5 shared: 3 / 7", a: spots(range(0, 5)), b: spots(range(2, 7)), expected: 3 / 7 },
      {
        what: "two black masks look at the same nothing",
        a: new Uint8Array(100),
        b: new Uint8Array(100),
        expected: 1,
      },
    ];
    for (const c of cases)
      it(c.what, () => assert.ok(Math.abs(topFractionIoU(c.a, c.b) - c.expected) < 1e-12));
  });

  it("a model compared with itself: difference 0, IoU 1", () => {
    const m = Uint8Array.from({ length: 640 * 480 }, (_, i) => (i * 2654435761) % 256);
    assert.deepEqual(compareMasks(m, m.slice()), { maskDifference: 0, topIou: 1, topFraction: 0.05 });
  });

  describe("refuses clearly", () => {
    it("masks of different sizes", () =>
      assert.throws(
        () => compareMasks(mask(1, 2), mask(1, 2, 3)),
        /same size \(camera resolution\), got 2 and 3/,
      ));
    it("empty masks", () => assert.throws(() => meanAbsMaskDifference(mask(), mask()), /empty \(0 pixels\)/));
    it("a fraction outside (0, 1]", () => {
      assert.throws(() => topLevel(mask(1), 0), /expected a number in \(0, 1\], got 0/);
      assert.throws(() => topLevel(mask(1), 1.5), /got 1\.5/);
    });
    it("a frame of another size than the masks", () =>
      assert.throws(
        () => renderDifferenceImage(mask(1, 2), mask(3, 4), { width: 3, height: 1, data: new Uint8Array(9) }),
        /masks have 2 pixels, the 3x1 frame 3/,
      ));
  });

  it("the difference image: main model magenta, compared green, both white, dimmed grey scene", () => {
    const frame = {
      width: 4,
      height: 1,
      data: Uint8Array.from([200, 200, 200, 200, 200, 200, 0, 0, 0, 40, 40, 40]),
    };
    const image = renderDifferenceImage(mask(255, 0, 255, 0), mask(0, 255, 255, 0), frame);
    assert.deepEqual([...image.data], [255, 50, 255, 50, 255, 50, 255, 255, 255, 10, 10, 10]);
  });

  it("the comparison message: both steerings, their differences, the figures, the camera's header", () => {
    const header = { stamp: { sec: 5, nanosec: 7 }, frame_id: "front" };
    const frame = { width: 2, height: 1, data: new Uint8Array(6) };
    const out = buildComparisonOutputs(
      header,
      frame,
      { modelName: "a", curvature: 0.01, steeringWheelAngle: 0.4, frameMask: mask(255, 0) },
      { modelName: "b", curvature: -0.02, steeringWheelAngle: -0.8, frameMask: mask(0, 255) },
      true,
    );
    assert.deepEqual(out.comparison.header, header);
    assert.notEqual(out.comparison.header, header);
    assert.equal(out.comparison.model_name, "a");
    assert.equal(out.comparison.compare_model_name, "b");
    assert.ok(Math.abs(out.comparison.curvature_difference - -0.03) < 1e-12);
    assert.ok(Math.abs(out.comparison.steering_wheel_angle_difference - -1.2) < 1e-12);
    assert.equal(out.comparison.mask_difference, 1);
    assert.equal(out.comparison.top_iou, 0);
    assert.equal(out.diff?.encoding, "rgb8");
    assert.deepEqual([...(out.diff?.data ?? [])], [255, 0, 255, 0, 255, 0]);
    assert.equal(
      buildComparisonOutputs(
        header,
        frame,
        { modelName: "a", curvature: 0, steeringWheelAngle: 0, frameMask: mask(1, 1) },
        { modelName: "a", curvature: 0, steeringWheelAngle: 0, frameMask: mask(1, 1) },
        false,
      ).diff,
      undefined,
    );
  });
});
