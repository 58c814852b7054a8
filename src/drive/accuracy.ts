/** Steering accuracy figures for the model card and the eval command. */

export interface AccuracyFigures {
  readonly frames: number;
  /** Mean absolute error, 1/m. */
  readonly mae: number;
  readonly rmse: number;
  /** Coefficient of determination against the truth's own variance. */
  readonly r2: number;
  /** Tolerance used for `withinTolerance`, 1/m. */
  readonly tolerance: number;
  /** Share of frames whose absolute error is at most `tolerance`. */
  readonly withinTolerance: number;
}

/**
 * Default tolerance, 1/m: a curvature error of 0.002 held for one second at 15 m/s (15 m) moves
 * the car 0.002 * 15^2 / 2 = 0.23 m sideways, well inside the 0.85 m a 1.8 m car has on each side
 * in a 3.5 m lane; it is also the difference between a 500 m curve and a straight.
 */
export const CURVATURE_TOLERANCE = 0.002;

export function accuracy(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  tolerance = CURVATURE_TOLERANCE,
): AccuracyFigures {
  if (predicted.length !== truth.length) {
    throw new Error(`accuracy: ${predicted.length} predictions for ${truth.length} truths`);
  }
  const n = truth.length;
  if (n < 2) throw new Error(`accuracy: need at least 2 frames, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i];
  mean /= n;
  let absolute = 0;
  let squared = 0;
  let variance = 0;
  let within = 0;
  for (let i = 0; i < n; i++) {
    const error = predicted[i] - truth[i];
    absolute += Math.abs(error);
    squared += error * error;
    variance += (truth[i] - mean) ** 2;
    if (Math.abs(error) <= tolerance) within++;
  }
  return {
    frames: n,
    mae: absolute / n,
    rmse: Math.sqrt(squared / n),
    r2: variance > 0 ? 1 - squared / variance : Number.NaN,
    tolerance,
    withinTolerance: within / n,
  };
}
