/**
 * What a comparison run (`--compare`) keeps per frame, and the figures the summary, the report
 * and the bench read from it. Pure: the samples come from the processor's frames.
 */

/** One compared frame. */
export interface ComparisonSample {
  readonly logTimeNs: bigint;
  /** Index of the frame among its camera's processed frames. */
  readonly index: number;
  readonly curvature: number;
  readonly compareCurvature: number;
  readonly steeringWheelAngle: number;
  readonly compareSteeringWheelAngle: number;
  readonly maskDifference: number;
  readonly topIou: number;
}

/** The compared model and every compared frame, per camera (the run's camera order). */
export interface ComparisonRun {
  readonly modelName: string;
  readonly provider: string;
  /** Whether the two models share the input spec (one preprocessing feeds both). */
  readonly sharedInput: boolean;
  readonly cameras: ComparisonSample[][];
}

/** Means and extremes over the compared frames of all cameras. */
export interface ComparisonFigures {
  readonly frames: number;
  /** Mean |compare - main| curvature, 1/m. */
  readonly meanCurvatureDifference: number;
  readonly maxCurvatureDifference: number;
  /** Mean compare - main curvature, 1/m: positive when the compared model steers more to the left. */
  readonly meanSignedCurvatureDifference: number;
  readonly meanMaskDifference: number;
  readonly maxMaskDifference: number;
  readonly meanTopIou: number;
  readonly minTopIou: number;
}

export function comparisonFigures(run: ComparisonRun): ComparisonFigures {
  const all = run.cameras.flat();
  const abs = all.map((s) => Math.abs(s.compareCurvature - s.curvature));
  const mean = (values: number[]): number =>
    values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
  const max = (values: number[]): number => (values.length === 0 ? NaN : Math.max(...values));
  const min = (values: number[]): number => (values.length === 0 ? NaN : Math.min(...values));
  return {
    frames: all.length,
    meanCurvatureDifference: mean(abs),
    maxCurvatureDifference: max(abs),
    meanSignedCurvatureDifference: mean(all.map((s) => s.compareCurvature - s.curvature)),
    meanMaskDifference: mean(all.map((s) => s.maskDifference)),
    maxMaskDifference: max(all.map((s) => s.maskDifference)),
    meanTopIou: mean(all.map((s) => s.topIou)),
    minTopIou: min(all.map((s) => s.topIou)),
  };
}

/** The `count` samples with the largest `score`, largest first (ties: the earlier frame). */
export function largest<T>(samples: readonly T[], score: (sample: T) => number, count: number): T[] {
  return samples
    .map((sample, order) => ({ sample, order, value: score(sample) }))
    .filter((s) => Number.isFinite(s.value))
    .sort((a, b) => b.value - a.value || a.order - b.order)
    .slice(0, count)
    .map((s) => s.sample);
}

/** The summary's lines for a comparison. */
export function comparisonLines(mainModel: string, run: ComparisonRun): string[] {
  const f = comparisonFigures(run);
  const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
  return [
    `comparison: ${mainModel} vs ${run.modelName} (${run.provider}${run.sharedInput ? ", one input for both" : ", each its own input"}) on ${f.frames} frames`,
    `  steering: mean |difference| ${fixed(f.meanCurvatureDifference, 5)} 1/m, max ${fixed(f.maxCurvatureDifference, 5)} 1/m, mean ${run.modelName} - ${mainModel} ${fixed(f.meanSignedCurvatureDifference, 5)} 1/m`,
    `  masks: mean absolute difference ${fixed(f.meanMaskDifference, 4)} (max ${fixed(f.maxMaskDifference, 4)}), IoU of the top 5 % mean ${fixed(f.meanTopIou, 3)} (min ${fixed(f.minTopIou, 3)})`,
  ];
}
