/**
 * How close the SIMD kernels must stay to the reference kernels. The kernels resample in float32
 * where the reference sums in doubles (src/image/simd/kernels.wat), so their values differ by
 * float32 rounding; these bounds are what issue 12 allows and far above what the kernels reach.
 */
import * as assert from "node:assert/strict";
import { maxAbsDiff } from "../support/arrays";

/**
 * A model input value may differ from the reference's by 1/1000 of a camera level (before the
 * model's scale): a thousandth of the camera's own quantisation step. The kernels reach about
 * 1/16000 on real frames.
 */
export const INPUT_TOLERANCE_LEVELS = 1e-3;

/** `actual` equals `expected` within the input tolerance, scaled as the model scales its input. */
export function assertInputClose(
  actual: Float32Array,
  expected: Float32Array,
  scale: number,
  what: string,
): void {
  const worst = maxAbsDiff(actual, expected);
  assert.ok(
    worst <= INPUT_TOLERANCE_LEVELS * Math.abs(scale),
    `${what}: model input differs from the reference by ${worst}, more than ${INPUT_TOLERANCE_LEVELS} levels x scale ${scale}`,
  );
}

/**
 * Mask levels within one level of the reference (the 1/255), and off by one only where a
 * value falls on a rounding boundary: at most one pixel in a thousand.
 */
export function assertLevelsClose(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(
    maxAbsDiff(actual, expected) <= 1,
    `${what}: a mask level differs from the reference's by more than 1`,
  );
  let differing = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) differing += 1;
  assert.ok(
    differing <= Math.ceil(actual.length / 1000),
    `${what}: ${differing} of ${actual.length} mask levels differ from the reference's (at most 1 in 1000 may)`,
  );
}
