import { CURVATURE_TOLERANCE } from "../drive/accuracy";
import type { DriveSeed } from "../drive/random";
import { HELD_OUT_SEEDS, isTrainingSeed } from "../drive/seeds";
import { SALIENCY_METHODS, SaliencyMethod } from "../engine/types";
import { evaluateMasks, MaskEvaluation } from "../eval/evaluate-masks";
import { DEFAULT_MODEL } from "./package-paths";
import { integerOption, lrpAtOption, providerOption, parseCommandLine } from "./options";
import { UsageError } from "./usage-error";
import { formatEvaluationComparison } from "./eval-compare";

export const EVAL_USAGE = `usage: visualbackprop eval [options]

Scores a steering model and its VisualBackProp masks on held-out synthetic drives: steering error,
lane and distractor focus, the paper's shift test, and deletion curves.

options:
  --model FILE      ONNX model with its spec file (default: the package's models/pilotnet.onnx)
  --compare FILE    a second model (with its own spec) scored on the same drives and frames: both
                    models' figures side by side, with B - A and which is better
  --seeds LIST      drives, comma-separated integers or words (default: the held-out drives
                    ${HELD_OUT_SEEDS[0]}..${HELD_OUT_SEEDS[HELD_OUT_SEEDS.length - 1]})
  --frames N        frames per drive (default 40)
  --stride N        frames between evaluated frames (default 8, 4 m at 15 m/s and 30 Hz)
  --width W, --height H   camera frame size (default: the model's training frame size)
  --provider P      cpu, cuda, tensorrt, webgpu or auto (default cpu)
  --threads N       ONNX Runtime intra-op threads, 0 = its choice (default 0)
  --methods LIST    saliency methods to judge, comma-separated: vbp, lrp, gradient (default vbp)
  --lrp-at P        where LRP's relevance is measured: input or conv1 (default input)
  --json            print the figures as one JSON object instead of the table
`;

/**
 * What the shipped model must reach (issue 15), shown beside the figures: steering R², lane and
 * distractor focus, shift ratio, and the least share of the mask's weight on lane markings that
 * each line of the car's lane must hold (a model that steers by one line misses it).
 */
export const EVAL_TARGETS = {
  r2: 0.99,
  laneFocus: 6,
  distractorFocus: 0.5,
  shiftRatio: 6,
  lineShare: 0.25,
} as const;

function parseSeeds(text: string): DriveSeed[] {
  const seeds = text.split(",").map((item) => item.trim());
  if (seeds.some((s) => s === "")) throw new UsageError(`--seeds: empty item in '${text}'`);
  return seeds.map((s) => {
    if (/^-?\d+$/.test(s)) {
      const n = Number(s);
      if (!Number.isSafeInteger(n) || n < 0)
        throw new UsageError(`--seeds: '${s}' is not a non-negative integer`);
      return n;
    }
    if (!/^[\w.-]+$/.test(s))
      throw new UsageError(
        `--seeds: '${s}' is neither an integer nor a word of letters, digits, '.', '_' or '-'`,
      );
    return s;
  });
}

export async function runEval(
  argv: readonly string[],
  stdout: (line: string) => void,
  log: (line: string) => void,
): Promise<void> {
  const parsed = parseCommandLine({
    args: [...argv],
    options: {
      model: { type: "string", default: DEFAULT_MODEL },
      compare: { type: "string" },
      seeds: { type: "string" },
      frames: { type: "string", default: "40" },
      stride: { type: "string", default: "8" },
      width: { type: "string" },
      height: { type: "string" },
      provider: { type: "string", default: "cpu" },
      threads: { type: "string", default: "0" },
      methods: { type: "string", default: "vbp" },
      "lrp-at": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const v = parsed.values;
  const integer = (name: string, text: string | undefined, min: number): number | undefined =>
    text === undefined ? undefined : integerOption(name, text, min);
  const seeds = v.seeds === undefined ? [...HELD_OUT_SEEDS] : parseSeeds(v.seeds);
  const training = seeds.filter((s) => isTrainingSeed(s));
  if (training.length > 0)
    log(`visualbackprop eval: warning: seeds ${training.join(", ")} were used to train the shipped model`);
  const methods = String(v.methods)
    .split(",")
    .map((m) => m.trim()) as SaliencyMethod[];
  for (const method of methods) {
    if (!SALIENCY_METHODS.includes(method)) {
      throw new UsageError(`--methods: expected vbp, lrp or gradient, got '${method}'`);
    }
  }
  if (v.compare === "") throw new UsageError("--compare: expected an ONNX model file, got ''");
  const lrpAt = lrpAtOption(v["lrp-at"], methods.includes("lrp"));
  const evaluate = async (modelPath: string): Promise<MaskEvaluation[]> => {
    const results: MaskEvaluation[] = [];
    for (const method of methods) {
      results.push(await evaluateOne(modelPath, method));
    }
    return results;
  };
  const evaluateOne = (modelPath: string, method: SaliencyMethod): Promise<MaskEvaluation> =>
    evaluateMasks({
      modelPath,
      seeds,
      framesPerSeed: integer("frames", v.frames, 2) as number,
      stride: integer("stride", v.stride, 1),
      frameWidth: integer("width", v.width, 1),
      frameHeight: integer("height", v.height, 1),
      provider: providerOption(v.provider),
      threads: integer("threads", v.threads, 0),
      method,
      lrpAt,
      log,
    });
  const results = await evaluate(v.model);
  const compared = v.compare === undefined ? undefined : await evaluate(v.compare);
  if (v.json) {
    const { model, provider, frames, steering } = results[0];
    const masks = Object.fromEntries(
      results.map((r) => [
        r.method,
        {
          laneFocus: r.laneFocus,
          distractorFocus: r.distractorFocus,
          lineShares: r.lineShares,
          shift: r.shift,
          deletion: r.deletion,
          seconds: r.seconds,
          met: targetsMet(r),
        },
      ]),
    );
    stdout(
      JSON.stringify({
        model,
        modelPath: v.model,
        provider,
        seeds,
        frames,
        steering,
        methods: masks,
        targets: EVAL_TARGETS,
        ...(compared && { compare: jsonFigures(compared, v.compare as string) }),
      }),
    );
  } else if (compared !== undefined) {
    const paths = { main: v.model as string, compare: v.compare as string };
    for (const line of formatEvaluationComparison(results, compared, paths, seeds.length)) stdout(line);
  } else {
    for (const line of formatEvaluation(results, v.model, seeds.length)) stdout(line);
  }
}

/** A model's figures as the JSON output gives them. */
function jsonFigures(results: readonly MaskEvaluation[], modelPath: string): object {
  return {
    model: results[0].model,
    modelPath,
    steering: results[0].steering,
    methods: Object.fromEntries(
      results.map((r) => [
        r.method,
        {
          laneFocus: r.laneFocus,
          distractorFocus: r.distractorFocus,
          shift: r.shift,
          deletion: r.deletion,
          seconds: r.seconds,
        },
      ]),
    ),
  };
}

/** Which of EVAL_TARGETS one method's figures meet; `all` only when every one is. */
export function targetsMet(r: MaskEvaluation): Record<keyof typeof EVAL_TARGETS | "all", boolean> {
  const met = {
    r2: r.steering.r2 >= EVAL_TARGETS.r2,
    laneFocus: r.laneFocus >= EVAL_TARGETS.laneFocus,
    distractorFocus: r.distractorFocus <= EVAL_TARGETS.distractorFocus,
    shiftRatio: r.shift.ratio >= EVAL_TARGETS.shiftRatio,
    lineShare: r.lineShares.left >= EVAL_TARGETS.lineShare && r.lineShares.right >= EVAL_TARGETS.lineShare,
  };
  return { ...met, all: Object.values(met).every(Boolean) };
}

/** The table `visualbackprop eval` prints: steering once, then one row of mask figures per method. */
export function formatEvaluation(
  results: readonly MaskEvaluation[],
  model: string,
  drives: number,
): string[] {
  const first = results[0];
  const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
  const small = (n: number) => (Number.isFinite(n) ? n.toPrecision(3) : String(n));
  const check = (ok: boolean) => (ok ? " " : "*");
  const { steering } = first;
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const lines = [
    `model ${model} (${first.model}), provider ${first.provider}, ${drives} held-out drives, ${first.frames} frames, ${seconds.toFixed(1)} s`,
    "",
    `steering: MAE ${small(steering.mae)} 1/m, RMSE ${small(steering.rmse)} 1/m, R² ${fixed(steering.r2, 3)}${check(steering.r2 >= EVAL_TARGETS.r2)}, ` +
      `within ±${CURVATURE_TOLERANCE} 1/m: ${(steering.withinTolerance * 100).toFixed(1)} %`,
    "",
    "method    lane focus  distractor focus  left / right line  shift: salient / background |Δ| 1/m  ratio   deletion area: mask / random 1/m",
  ];
  const percent = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)} %` : String(n));
  for (const r of results) {
    const { left, right } = r.lineShares;
    const sharesMet = left >= EVAL_TARGETS.lineShare && right >= EVAL_TARGETS.lineShare;
    lines.push(
      `${r.method.padEnd(8)}  ${fixed(r.laneFocus).padStart(9)}${check(r.laneFocus >= EVAL_TARGETS.laneFocus)} ` +
        `${fixed(r.distractorFocus).padStart(16)}${check(r.distractorFocus <= EVAL_TARGETS.distractorFocus)} ` +
        `${`${percent(left)} / ${percent(right)}`.padStart(17)}${check(sharesMet)} ` +
        `${`${small(r.shift.salientChange)} / ${small(r.shift.backgroundChange)}`.padStart(33)}  ` +
        `${fixed(r.shift.ratio).padStart(5)}${check(r.shift.ratio >= EVAL_TARGETS.shiftRatio)}  ` +
        `${`${small(r.deletion.maskArea)} / ${small(r.deletion.randomArea)}`.padStart(33)}`,
    );
  }
  lines.push(
    `targets   >= ${EVAL_TARGETS.laneFocus}          <= ${EVAL_TARGETS.distractorFocus}           >= ${EVAL_TARGETS.lineShare * 100} % each                                        >= ${EVAL_TARGETS.shiftRatio}      (R² >= ${EVAL_TARGETS.r2}; * marks a miss)`,
    "",
    "lane focus: the mask's share on lane markings and road edges over their share of pixels (1 = uniform);",
    "left / right line: the shares of the mask's weight on markings that lie on each line of the car's lane;",
    `shift test: the top ${first.shift.salientShare * 100} % of the mask, grown by ${first.shift.dilation} px, shifted ` +
      `${first.shift.shiftPixels} px sideways, then the rest by as much; the ratio of the steering changes;`,
    `shift test without copies (a diagnostic): the rest moved as above, but a pixel whose source lies in the salient region keeps its own value, ` +
      `so no copy of a salient line is painted beside it: ratio ${results.map((r) => `${r.method} ${fixed(r.shift.ratioWithoutCopies)}`).join(", ")};`,
    `deletion: pixels replaced by the image mean in mask order and in random order, 0 to ${first.deletion.fractions[first.deletion.fractions.length - 1] * 100} %.`,
  );
  return lines;
}
