/**
 * Writes the training set: node dist/src/drive/export-cli.js [--out training/data]
 *   [--seeds 1-48] [--per-seed 500] [--stride 4] [--augment 0.6] [--max-shift 1.0] [--max-rotation 0.06]
 *   [--variety 0] [--variety-mix lines|shoulders]
 */
import { exportDataset } from "./export";
import { VARIETY_MIXES, type VarietyMix } from "./road";
import { TRAINING_SEEDS } from "./seeds";
import { errorText } from "../error-text";

function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(",")) {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (range) {
      for (let s = Number(range[1]); s <= Number(range[2]); s++) seeds.push(s);
    } else if (/^\d+$/.test(part.trim())) {
      seeds.push(Number(part.trim()));
    } else {
      throw new Error(`--seeds: expected integers or ranges like 1-48, got "${part}"`);
    }
  }
  return seeds;
}

function mix(text: string): VarietyMix {
  const found = VARIETY_MIXES.find((name) => name === text);
  if (found === undefined)
    throw new Error(`--variety-mix: expected ${VARIETY_MIXES.join(" or ")}, got "${text}"`);
  return found;
}

function main(argv: readonly string[]): void {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!key.startsWith("--") || i + 1 >= argv.length)
      throw new Error(`expected --name value pairs, got "${key}"`);
    values.set(key.slice(2), argv[i + 1]);
  }
  const known = [
    "out",
    "seeds",
    "per-seed",
    "stride",
    "augment",
    "max-shift",
    "max-rotation",
    "variety",
    "variety-mix",
  ];
  for (const key of values.keys())
    if (!known.includes(key)) throw new Error(`unknown option --${key} (known: ${known.join(", ")})`);
  const number = (key: string, fallback: number): number => {
    const text = values.get(key);
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(value)) throw new Error(`--${key}: expected a number, got "${text}"`);
    return value;
  };
  const summary = exportDataset({
    outDir: values.get("out") ?? "training/data",
    seeds: values.has("seeds") ? parseSeeds(values.get("seeds") ?? "") : TRAINING_SEEDS,
    framesPerSeed: number("per-seed", 500),
    stride: number("stride", 4),
    augmentShare: number("augment", 0.6),
    maxShift: number("max-shift", 1.0),
    maxRotation: number("max-rotation", 0.06),
    markingVariety: number("variety", 0),
    varietyMix: mix(values.get("variety-mix") ?? "lines"),
    log: (line) => console.error(line),
  });
  console.log(
    `${summary.samples} samples in ${summary.seconds.toFixed(1)} s: ${summary.imagesPath}, ${summary.labelsPath}`,
  );
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`export: ${errorText(error)}`);
  process.exitCode = 1;
}
