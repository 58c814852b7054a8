/**
 * Runs a steering model (ONNX, one image in, curvature out) over held-out synthetic drives and
 * scores it against the ground truth. Used for the model card and the accuracy test.
 */
import * as fs from "node:fs";
import type { Tensor } from "onnxruntime-node";
import { preprocess, validatePreprocessSpec, type PreprocessSpec } from "../image/preprocess";
import { accuracy, CURVATURE_TOLERANCE, type AccuracyFigures } from "./accuracy";
import { returnCurvature, returnLookahead } from "./augment";
import { SyntheticDrive } from "./drive";

/** The parts of models/<name>.json the evaluation needs. */
export interface ModelCard {
  readonly input: string;
  readonly output: string;
  readonly preprocess: PreprocessSpec;
  readonly frame: { readonly width: number; readonly height: number };
}

export interface EvaluateOptions {
  readonly modelPath: string;
  /** models/<name>.json beside the model; default: the model path with .json. */
  readonly cardPath?: string;
  readonly seeds: readonly (number | string)[];
  readonly framesPerSeed: number;
  /** Frames between scored frames (default 8: 4 m apart at 15 m/s). */
  readonly stride?: number;
  readonly tolerance?: number;
  readonly threads?: number;
}

export interface Evaluation {
  /** Against truth.curvature, the road curvature ahead. */
  readonly road: AccuracyFigures;
  /** Against the return-to-lane label the model was trained on. */
  readonly label: AccuracyFigures;
  readonly perSeed: readonly { readonly seed: number | string; readonly road: AccuracyFigures }[];
  readonly predicted: Float32Array;
  readonly truth: Float32Array;
  readonly seconds: number;
}

export function readModelCard(cardPath: string): ModelCard {
  if (!fs.existsSync(cardPath)) throw new Error(`model card not found: ${cardPath}`);
  const card = JSON.parse(fs.readFileSync(cardPath, "utf8")) as ModelCard;
  if (typeof card.input !== "string" || typeof card.output !== "string") {
    throw new Error(`${cardPath}: expected "input" and "output" tensor names`);
  }
  validatePreprocessSpec(card.preprocess, `${cardPath}: preprocess`);
  return card;
}

export async function evaluateModel(options: EvaluateOptions): Promise<Evaluation> {
  const started = Date.now();
  if (!fs.existsSync(options.modelPath)) throw new Error(`model not found: ${options.modelPath}`);
  const card = readModelCard(options.cardPath ?? options.modelPath.replace(/\.onnx$/, ".json"));
  const stride = options.stride ?? 8;
  const tolerance = options.tolerance ?? CURVATURE_TOLERANCE;
  // Loaded here, not at import: importing the drive module must not load native code.
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(options.modelPath, {
    intraOpNumThreads: options.threads ?? 2,
    interOpNumThreads: 1,
  });
  const { width, height } = card.preprocess;
  const plane = width * height * 3;
  const batch = 32;
  const total = options.seeds.length * options.framesPerSeed;
  const predicted = new Float32Array(total);
  const truth = new Float32Array(total);
  const labels = new Float32Array(total);
  const perSeed: { seed: number | string; road: AccuracyFigures }[] = [];
  let done = 0;
  for (const seed of options.seeds) {
    const drive = new SyntheticDrive({ seed, width: card.frame.width, height: card.frame.height });
    const first = done;
    for (let k = 0; k < options.framesPerSeed; k += batch) {
      const count = Math.min(batch, options.framesPerSeed - k);
      const input = new Float32Array(count * plane);
      for (let b = 0; b < count; b++) {
        const frame = drive.frame((k + b) * stride);
        preprocess(frame.image, card.preprocess, input, b * plane);
        truth[done + b] = frame.truth.curvature;
        const { curvature, lateralOffset, headingError } = frame.truth;
        labels[done + b] = returnCurvature(curvature, lateralOffset, headingError, returnLookahead(drive));
      }
      const feeds: Record<string, Tensor> = {
        [card.input]: new ort.Tensor("float32", input, [count, 3, height, width]),
      };
      const result = await session.run(feeds);
      const output = result[card.output];
      if (!output) throw new Error(`model has no output named ${card.output}`);
      predicted.set(output.data as Float32Array, done);
      done += count;
    }
    perSeed.push({
      seed,
      road: accuracy(predicted.subarray(first, done), truth.subarray(first, done), tolerance),
    });
  }
  await session.release();
  return {
    road: accuracy(predicted, truth, tolerance),
    label: accuracy(predicted, labels, tolerance),
    perSeed,
    predicted,
    truth,
    seconds: (Date.now() - started) / 1000,
  };
}
