/**
 * Finds NaN and infinite values, which ONNX Runtime passes through silently: a tensor holding one
 * gives NaN outputs and an all-NaN mask (black pictures), so inputs are checked before a run and
 * outputs after it.
 */

/** Index of the first value in data[start, end) that is NaN or infinite, or -1 when all are finite. */
export function firstNonFinite(data: ArrayLike<number>, start = 0, end = data.length): number {
  for (let i = start; i < end; i++) {
    // `v - v` is 0 for finite values and NaN for NaN and ±Infinity: one test for both.
    const v = data[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

/** A flat index as a multi-index of `shape`, e.g. `[0, 2, 10, 7]`. */
export function multiIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return index;
}
