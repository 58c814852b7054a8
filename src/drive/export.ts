/**
 * Writes a training set: frames from several drives, some as shifted/rotated views, already
 * preprocessed to the model's input and rounded to uint8, plus their labels.
 *
 *   images.npy  uint8   (N, 3, H, W)  the model input (nchw; for nhwc specs (N, H, W, 3))
 *   labels.npy  float32 (N, 4)        label, road curvature, lateral offset, heading error
 *   regions.npy uint8   (N, H, W)     REGION_BIT codes on the input grid: lane markings and the
 *                                     car's two lines (for train.py's --mask-prior)
 *   meta.json                         the spec, seeds, options and column names
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { preprocess, validatePreprocessSpec, type PreprocessSpec } from "../image/preprocess";
import { randomOffset, returnLookahead, trainingView, RETURN_TIME_S, type ViewOffset } from "./augment";
import { SyntheticDrive, CURVATURE_WINDOW } from "./drive";
import { PILOTNET_FRAME, PILOTNET_INPUT } from "./model-input";
import { NpyWriter } from "./npy";
import { inputRegions } from "./regions";
import { VARIETY_MIXES, type VarietyMix } from "./road";
import { Random, seedState } from "./random";
import { FIRST_EVALUATION_SEED, isTrainingSeed } from "./seeds";

export interface ExportOptions {
  /** Folder to write into (created if missing). */
  readonly outDir: string;
  /** Training seeds: integers below FIRST_EVALUATION_SEED. */
  readonly seeds: readonly number[];
  readonly framesPerSeed: number;
  /** Frames between samples of one drive (default 4: 2 m at 15 m/s and 30 Hz). */
  readonly stride?: number;
  /** Share of samples seen from a shifted/rotated pose (default 0.6). */
  readonly augmentShare?: number;
  /** Largest extra shift, metres (default 1.0), and rotation, radians (default 0.06). */
  readonly maxShift?: number;
  readonly maxRotation?: number;
  /** Share of marking stretches redrawn for variety: widths, kinds, wear (default 0; see RoadOptions). */
  readonly markingVariety?: number;
  /** What a varied stretch redraws (default "lines"; see VarietyMix). */
  readonly varietyMix?: VarietyMix;
  readonly spec?: PreprocessSpec;
  readonly frameWidth?: number;
  readonly frameHeight?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface ExportSummary {
  readonly samples: number;
  readonly imagesPath: string;
  readonly labelsPath: string;
  readonly regionsPath: string;
  readonly metaPath: string;
  readonly seconds: number;
}

export const LABEL_COLUMNS = ["label", "roadCurvature", "lateralOffset", "headingError"] as const;

export function exportDataset(options: ExportOptions): ExportSummary {
  const stride = options.stride ?? 4;
  const augmentShare = options.augmentShare ?? 0.6;
  const maxShift = options.maxShift ?? 1.0;
  const maxRotation = options.maxRotation ?? 0.06;
  const markingVariety = options.markingVariety ?? 0;
  const varietyMix = options.varietyMix ?? "lines";
  const spec = validatePreprocessSpec(options.spec ?? PILOTNET_INPUT, "exportDataset.spec");
  const frameWidth = options.frameWidth ?? PILOTNET_FRAME.width;
  const frameHeight = options.frameHeight ?? PILOTNET_FRAME.height;
  if (options.seeds.length === 0) throw new Error("exportDataset: seeds is empty");
  for (const seed of options.seeds) {
    if (!isTrainingSeed(seed)) {
      throw new Error(
        `exportDataset: seed ${seed} is not a training seed (integers 0..${FIRST_EVALUATION_SEED - 1}; the rest are held out)`,
      );
    }
  }
  if (!Number.isSafeInteger(options.framesPerSeed) || options.framesPerSeed <= 0) {
    throw new Error(`exportDataset: framesPerSeed must be a positive integer, got ${options.framesPerSeed}`);
  }
  if (!Number.isSafeInteger(stride) || stride <= 0)
    throw new Error(`exportDataset: stride must be a positive integer, got ${stride}`);
  if (!(augmentShare >= 0 && augmentShare <= 1))
    throw new Error(`exportDataset: augmentShare must be in [0, 1], got ${augmentShare}`);
  if (!(markingVariety >= 0 && markingVariety <= 1))
    throw new Error(`exportDataset: markingVariety must be in [0, 1], got ${markingVariety}`);
  if (!VARIETY_MIXES.includes(varietyMix))
    throw new Error(
      `exportDataset: varietyMix must be one of ${VARIETY_MIXES.join(", ")}, got ${String(options.varietyMix)}`,
    );

  const started = Date.now();
  fs.mkdirSync(options.outDir, { recursive: true });
  const samples = options.seeds.length * options.framesPerSeed;
  const plane = spec.width * spec.height;
  const imageShape =
    spec.layout === "nchw" ? [samples, 3, spec.height, spec.width] : [samples, spec.height, spec.width, 3];
  const imagesPath = path.join(options.outDir, "images.npy");
  const labelsPath = path.join(options.outDir, "labels.npy");
  const images = new NpyWriter(imagesPath, "uint8", imageShape);
  const labels = new NpyWriter(labelsPath, "float32", [samples, LABEL_COLUMNS.length]);
  const regionsPath = path.join(options.outDir, "regions.npy");
  const regionWriter = new NpyWriter(regionsPath, "uint8", [samples, spec.height, spec.width]);
  const regions = new Uint8Array(plane);
  const input = new Float32Array(plane * 3);
  const bytes = new Uint8Array(plane * 3);
  const row = new Float32Array(LABEL_COLUMNS.length);
  let lookahead = 0;
  try {
    for (const seed of options.seeds) {
      const drive = new SyntheticDrive({
        seed,
        width: frameWidth,
        height: frameHeight,
        markingVariety,
        varietyMix,
      });
      lookahead = returnLookahead(drive);
      const random = Random.derive(seedState(seed), 99);
      for (let k = 0; k < options.framesPerSeed; k++) {
        const index = k * stride + random.int(0, stride - 1);
        const offset: ViewOffset = random.chance(augmentShare)
          ? randomOffset(random, maxShift, maxRotation)
          : { shift: 0, rotation: 0 };
        const view = trainingView(drive, index, offset);
        preprocess(view.frame.image, spec, input);
        for (let i = 0; i < input.length; i++) {
          const value = Math.round(input[i]);
          bytes[i] = value < 0 ? 0 : value > 255 ? 255 : value;
        }
        images.write(bytes);
        row[0] = view.label;
        row[1] = view.frame.truth.curvature;
        row[2] = view.frame.truth.lateralOffset;
        row[3] = view.frame.truth.headingError;
        labels.write(row);
        regionWriter.write(inputRegions(view.frame.truth, frameWidth, frameHeight, spec, regions));
      }
      options.log?.(
        `seed ${seed}: ${options.framesPerSeed} samples (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
  } finally {
    images.close();
    labels.close();
    regionWriter.close();
  }
  const metaPath = path.join(options.outDir, "meta.json");
  const meta = {
    samples,
    columns: LABEL_COLUMNS,
    labelUnits: "1/m",
    preprocess: spec,
    frame: { width: frameWidth, height: frameHeight },
    seeds: options.seeds,
    framesPerSeed: options.framesPerSeed,
    stride,
    augmentation: {
      share: augmentShare,
      maxShift,
      maxRotation,
      returnTimeS: RETURN_TIME_S,
      lookaheadM: lookahead,
    },
    curvatureWindowM: CURVATURE_WINDOW,
    markingVariety,
    varietyMix,
  };
  fs.writeFileSync(metaPath, JSON.stringify(meta, null, 2) + "\n");
  return { samples, imagesPath, labelsPath, regionsPath, metaPath, seconds: (Date.now() - started) / 1000 };
}
