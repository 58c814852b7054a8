/**
 * `visualbackprop eval --compare B`: both models' figures side by side, on the same drives and
 * frames, with their difference and which model is better by each figure's own direction.
 * Pure: the evaluations in, lines out.
 */
import { CURVATURE_TOLERANCE } from "../drive/accuracy";
import type { MaskEvaluation } from "../eval/evaluate-masks";
import { EVAL_TARGETS } from "./eval-command";

/** Which way a figure is better. */
type Better = "higher" | "lower";

interface Row {
  readonly label: string;
  readonly value: (e: MaskEvaluation) => number;
  readonly better: Better;
  readonly digits: number;
}

const STEERING_ROWS: readonly Row[] = [
  { label: "steering MAE, 1/m", value: (e) => e.steering.mae, better: "lower", digits: 5 },
  { label: "steering RMSE, 1/m", value: (e) => e.steering.rmse, better: "lower", digits: 5 },
  { label: "steering R²", value: (e) => e.steering.r2, better: "higher", digits: 3 },
  {
    label: `within ±${CURVATURE_TOLERANCE} 1/m, %`,
    value: (e) => e.steering.withinTolerance * 100,
    better: "higher",
    digits: 1,
  },
];

const MASK_ROWS: readonly Row[] = [
  { label: "lane focus", value: (e) => e.laneFocus, better: "higher", digits: 2 },
  { label: "distractor focus", value: (e) => e.distractorFocus, better: "lower", digits: 2 },
  { label: "shift ratio", value: (e) => e.shift.ratio, better: "higher", digits: 2 },
  { label: "shift ratio, no copies", value: (e) => e.shift.ratioWithoutCopies, better: "higher", digits: 2 },
  {
    // Over the random order's, so models whose steering swings differ in scale compare fairly.
    label: "deletion area: mask / random",
    value: (e) => e.deletion.maskArea / e.deletion.randomArea,
    better: "higher",
    digits: 2,
  },
];

function cell(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

function row(label: string, a: number, b: number, better: Better, digits: number): string {
  const diff = b - a;
  const winner =
    !Number.isFinite(diff) || Math.abs(diff) < 0.5 * 10 ** -digits
      ? "same"
      : (better === "higher") === diff > 0
        ? "B"
        : "A";
  return `${label.padEnd(30)}${cell(a, digits).padStart(12)}${cell(b, digits).padStart(12)}${`${diff > 0 ? "+" : ""}${cell(diff, digits)}`.padStart(12)}   ${winner}`;
}

/**
 * The side-by-side table: `main` and `compare` hold one evaluation per method, in the same order,
 * of the same drives and frames.
 */
export function formatEvaluationComparison(
  main: readonly MaskEvaluation[],
  compare: readonly MaskEvaluation[],
  paths: { readonly main: string; readonly compare: string },
  drives: number,
): string[] {
  const a = main[0];
  const b = compare[0];
  const seconds = [...main, ...compare].reduce((sum, r) => sum + r.seconds, 0);
  const lines = [
    `A: model ${paths.main} (${a.model}); B: model ${paths.compare} (${b.model})`,
    `provider ${a.provider}, ${drives} held-out drives, ${a.frames} frames each model, ${seconds.toFixed(1)} s`,
    "",
    `${"figure".padEnd(30)}${"A".padStart(12)}${"B".padStart(12)}${"B - A".padStart(12)}   better`,
  ];
  for (const r of STEERING_ROWS) lines.push(row(r.label, r.value(a), r.value(b), r.better, r.digits));
  main.forEach((m, i) => {
    const c = compare[i];
    for (const r of MASK_ROWS)
      lines.push(row(`${m.method} ${r.label}`, r.value(m), r.value(c), r.better, r.digits));
  });
  lines.push("");
  for (const [i, m] of main.entries()) {
    const c = compare[i];
    const more = c.laneFocus > m.laneFocus ? "B" : c.laneFocus < m.laneFocus ? "A" : undefined;
    lines.push(
      more === undefined
        ? `${m.method}: both look at lane markings and road edges alike (lane focus ${cell(m.laneFocus, 2)})`
        : `${m.method}: ${more} looks at lane markings and road edges more (lane focus ${cell(m.laneFocus, 2)} vs ${cell(c.laneFocus, 2)}, ` +
            `distractor focus ${cell(m.distractorFocus, 2)} vs ${cell(c.distractorFocus, 2)})`,
    );
  }
  lines.push(
    `targets: R² >= ${EVAL_TARGETS.r2}, lane focus >= ${EVAL_TARGETS.laneFocus}, distractor focus <= ${EVAL_TARGETS.distractorFocus}, shift ratio >= ${EVAL_TARGETS.shiftRatio}; ` +
      "better: the model whose figure is better by that figure's direction",
  );
  return lines;
}
