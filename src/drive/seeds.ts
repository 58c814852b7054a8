/**
 * The one place that says which drives train the model and which judge it. Training uses integer
 * seeds below FIRST_EVALUATION_SEED; every seed from there up is reserved for evaluation, and
 * exportDataset refuses them, so a held-out drive can never leak into training data.
 */
export const FIRST_EVALUATION_SEED = 1_000_000;

/** The drives the shipped model was trained on (see models/README.md). */
export const TRAINING_SEEDS: readonly number[] = Array.from({ length: 48 }, (_, i) => i + 1);

/** Held-out drives for the model card and `visualbackprop eval`. */
export const HELD_OUT_SEEDS: readonly number[] = Array.from(
  { length: 8 },
  (_, i) => FIRST_EVALUATION_SEED + 1 + i,
);

/** A further unseen drive for the quick accuracy test in CI, apart from the model card's. */
export const TEST_SEED = 2_000_001;

/** True when a seed may be used for training data. */
export function isTrainingSeed(seed: number | string): boolean {
  return typeof seed === "number" && Number.isSafeInteger(seed) && seed >= 0 && seed < FIRST_EVALUATION_SEED;
}
