import { performance } from "node:perf_hooks";
import { accuracy, AccuracyFigures } from "../drive/accuracy";
import { SyntheticDrive } from "../drive/drive";
import { LANE_LINE } from "../drive/render";
import type { DriveSeed } from "../drive/random";
import { Engine } from "../engine/engine";
import { loadModelSpec } from "../engine/model-spec";
import { LrpPoint, ProviderChoice, SaliencyMethod } from "../engine/types";
import { cropRectangle, mapMaskToFrame, preprocess } from "../image/preprocess";
import { mulberry32 } from "../onnx/cnn-builder";
import {
  deletionSeries,
  cropPixelRect,
  FocusAccumulator,
  LineShareAccumulator,
  meanHeight,
  PixelRect,
  randomOrder,
  saliencyOrder,
  salientRegion,
  shiftWhere,
} from "./mask-metrics";

export interface MaskEvalOptions {
  readonly modelPath: string;
  readonly seeds: readonly DriveSeed[];
  readonly framesPerSeed: number;
  /** Camera frame size; default the size the model was trained on (its spec), else 640x480. */
  readonly frameWidth?: number;
  readonly frameHeight?: number;
  /** Frames between evaluated frames, so consecutive ones are not near-copies (default 8). */
  readonly stride?: number;
  readonly provider?: ProviderChoice;
  readonly threads?: number;
  /** Which saliency map to judge (default vbp); the steering figures do not depend on it. */
  readonly method?: SaliencyMethod;
  /** Where LRP's relevance is measured (method lrp only; default input). */
  readonly lrpAt?: LrpPoint;
  /** Share of pixels, by mask value, that the shift test moves as "salient" (default 0.1). */
  readonly salientShare?: number;
  /** Pixels the salient region is grown by (default 2). */
  readonly dilation?: number;
  /** Horizontal shift of the shift test, model input pixels (default 10). */
  readonly shiftPixels?: number;
  /** Fractions of pixels removed along the deletion curves (default 0, 0.05, ..., 0.5). */
  readonly deletionFractions?: readonly number[];
  readonly onFrame?: (done: number, total: number) => void;
  readonly log?: (line: string) => void;
}

export interface MaskEvaluation {
  readonly model: string;
  readonly method: SaliencyMethod;
  readonly provider: string;
  readonly frames: number;
  /** Predicted against the road's curvature ahead, 1/m. */
  readonly steering: AccuracyFigures;
  /** Mask mass share on lane markings and road edges over their pixel share (1 = uniform). */
  readonly laneFocus: number;
  /** The same on trees, poles, parked cars, clouds and shadows. */
  readonly distractorFocus: number;
  /**
   * Shares (0..1) of the mask's weight on lane markings and road edges that lie on the left line
   * (the centre line) and on the right line of the car's lane.
   */
  readonly lineShares: { readonly left: number; readonly right: number };
  readonly shift: {
    readonly shiftPixels: number;
    readonly salientShare: number;
    /** Pixels the salient region was grown by. */
    readonly dilation: number;
    /** Mean |change of steering| when only the salient region moves, 1/m. */
    readonly salientChange: number;
    /** Mean |change of steering| when only the rest moves, 1/m. */
    readonly backgroundChange: number;
    readonly ratio: number;
    /**
     * Diagnostic: the rest moved without painting copies of the salient region beside it
     * (shiftWhere's `sameSideOnly`), and salientChange over that. A model that reads both lines of
     * its lane sees the copy of the left line that the plain test paints inside the lane.
     */
    readonly backgroundChangeWithoutCopies: number;
    readonly ratioWithoutCopies: number;
  };
  readonly deletion: {
    readonly fractions: readonly number[];
    /** Mean |change of steering| after removing pixels in mask order, per fraction, 1/m. */
    readonly maskOrder: readonly number[];
    readonly randomOrder: readonly number[];
    /** Mean height of each curve over the fractions (area under it over its width), 1/m. */
    readonly maskArea: number;
    readonly randomArea: number;
  };
  readonly seconds: number;
}

const DEFAULT_FRACTIONS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];

/**
 * Runs the model over held-out synthetic drives and measures, against the drive's ground truth,
 * how accurate its steering is and whether its masks point at the road's lines.
 */
export async function evaluateMasks(options: MaskEvalOptions): Promise<MaskEvaluation> {
  const started = performance.now();
  const spec = loadModelSpec(options.modelPath);
  const engine = await Engine.create({
    modelPath: options.modelPath,
    provider: options.provider ?? "cpu",
    method: options.method ?? "vbp",
    lrpAt: options.lrpAt,
    intraOpThreads: options.threads ?? 0,
    log: options.log,
  });
  try {
    const { channels, height, width } = engine.inputShape;
    const plane = height * width;
    const size = channels * plane;
    const stride = options.stride ?? 8;
    const share = options.salientShare ?? 0.1;
    const dilation = options.dilation ?? 2;
    const shiftPixels = options.shiftPixels ?? 10;
    const fractions = options.deletionFractions ?? DEFAULT_FRACTIONS;
    const random = mulberry32(12345);
    const lane = new FocusAccumulator();
    const distractor = new FocusAccumulator();
    const lines = new LineShareAccumulator();
    const predicted: number[] = [];
    const truth: number[] = [];
    let salientChange = 0;
    let backgroundChange = 0;
    let backgroundWithoutCopies = 0;
    const maskCurve = fractions.map(() => 0);
    const randomCurve = fractions.map(() => 0);
    const total = options.seeds.length * options.framesPerSeed;
    /** The steering value of image `i` of a batch of `batch` (the first value of the spec's output). */
    const outputOf = (
      outputs: Readonly<Record<string, { data: Float32Array }>>,
      i: number,
      batch: number,
    ): number => {
      const tensor = outputs[spec.output] ?? outputs[engine.outputNames[0]];
      return tensor.data[i * (tensor.data.length / batch)];
    };
    for (const seed of options.seeds) {
      const drive = new SyntheticDrive({
        seed,
        width: options.frameWidth ?? spec.frame?.width ?? 640,
        height: options.frameHeight ?? spec.frame?.height ?? 480,
      });
      if (drive.width < width || drive.height < height) {
        throw new Error(
          `frame size ${drive.width}x${drive.height} is below the model's input ${width}x${height}; ` +
            `give a frame at least that large`,
        );
      }
      const rect: PixelRect = cropPixelRect(
        cropRectangle(spec.preprocess, drive.width, drive.height),
        drive.width,
        drive.height,
      );
      for (let k = 0; k < options.framesPerSeed; k++) {
        const frame = drive.frame(k * stride);
        const input = preprocess(frame.image, { ...spec.preprocess, width, height });
        const result = await engine.run(input, 1);
        const mask = result.masks;
        const steering = outputOf(result.outputs, 0, 1);
        predicted.push(steering);
        truth.push(frame.truth.curvature);
        const onFrame = mapMaskToFrame(
          { width, height, data: mask },
          spec.preprocess,
          drive.width,
          drive.height,
        ).data;
        lane.add(onFrame, frame.truth.laneMask, drive.width, rect);
        distractor.add(onFrame, frame.truth.distractorMask, drive.width, rect);
        lines.add(onFrame, frame.truth.laneMask, frame.truth.lineMask, LANE_LINE, drive.width, rect);

        // One batch: the two shift-test inputs, both deletion curves, then the rest moved without
        // copies of the salient region (the diagnostic).
        const region = salientRegion(mask, width, height, share, dilation);
        const withoutCopiesAt = 2 + 2 * fractions.length;
        const perturbed = withoutCopiesAt + 1;
        const batch = new Float32Array(perturbed * size);
        batch.set(shiftWhere(input, channels, height, width, region, shiftPixels, false), 0);
        batch.set(shiftWhere(input, channels, height, width, region, shiftPixels, true), size);
        deletionSeries(input, channels, plane, saliencyOrder(mask), fractions, batch, 2 * size);
        deletionSeries(
          input,
          channels,
          plane,
          randomOrder(plane, random),
          fractions,
          batch,
          (2 + fractions.length) * size,
        );
        const withoutCopies = shiftWhere(input, channels, height, width, region, shiftPixels, true, true);
        batch.set(withoutCopies, withoutCopiesAt * size);
        const forward = await engine.forward(batch, perturbed);
        const change = (i: number) => Math.abs(outputOf(forward.outputs, i, perturbed) - steering);
        salientChange += change(0);
        backgroundChange += change(1);
        backgroundWithoutCopies += change(withoutCopiesAt);
        fractions.forEach((_, j) => {
          maskCurve[j] += change(2 + j);
          randomCurve[j] += change(2 + fractions.length + j);
        });
        options.onFrame?.(predicted.length, total);
      }
    }
    const n = predicted.length;
    const maskOrder = maskCurve.map((v) => v / n);
    const randomOrderCurve = randomCurve.map((v) => v / n);
    return {
      model: spec.name,
      method: engine.method,
      provider: engine.provider,
      frames: n,
      steering: accuracy(predicted, truth),
      laneFocus: lane.ratio(),
      distractorFocus: distractor.ratio(),
      lineShares: lines.shares(),
      shift: {
        shiftPixels,
        salientShare: share,
        dilation,
        salientChange: salientChange / n,
        backgroundChange: backgroundChange / n,
        ratio: backgroundChange > 0 ? salientChange / backgroundChange : Number.POSITIVE_INFINITY,
        backgroundChangeWithoutCopies: backgroundWithoutCopies / n,
        ratioWithoutCopies:
          backgroundWithoutCopies > 0 ? salientChange / backgroundWithoutCopies : Number.POSITIVE_INFINITY,
      },
      deletion: {
        fractions,
        maskOrder,
        randomOrder: randomOrderCurve,
        maskArea: meanHeight(fractions, maskOrder),
        randomArea: meanHeight(fractions, randomOrderCurve),
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await engine.release();
  }
}
