/**
 * The report's comparison section (`bag --compare --report`): both models' steering over time with
 * the recorded steering, their disagreement over time, the frames where they disagree most (in
 * steering, and in where they look), each with both overlays and the difference image side by
 * side, and a paragraph that says where and how much. Frames are kept while the run goes, only as
 * many as are shown, so memory stays bounded however long the bag is.
 */
import sharp from "sharp";
import type { RgbFrame } from "../image/frame";
import type { BagRunResult, ProcessedFrame } from "./bag-processor";
import { type ComparisonRun, type ComparisonSample, comparisonFigures, largest } from "./comparison-stats";
import { escapeXml, lineChart, type ChartSeries } from "./svg-chart";
import { type LaneFocusFigures, laneFocusSentence } from "./lane-focus";

/** How one compared frame is ranked. */
export type Disagreement = "steering" | "look";

/** |compare - main| curvature, or the mean absolute mask difference. */
export function disagreement(sample: ComparisonSample, kind: Disagreement): number {
  return kind === "steering" ? Math.abs(sample.compareCurvature - sample.curvature) : sample.maskDifference;
}

/** A frame shown in the report: its figures and three pictures. */
export interface ShownFrame {
  readonly camera: string;
  readonly sample: ComparisonSample;
  readonly main: Buffer;
  readonly compare: Buffer;
  readonly diff: Buffer;
}

interface Kept {
  readonly camera: string;
  readonly sample: ComparisonSample;
  readonly score: number;
  readonly pictures: Promise<[Buffer, Buffer, Buffer]>;
}

/** Keeps the `count` frames of largest disagreement of each kind. */
export class DisagreementCollector {
  readonly #count: number;
  readonly #width: number;
  readonly #kept: Record<Disagreement, Kept[]> = { steering: [], look: [] };

  constructor(count = 6, width = 240) {
    this.#count = Math.max(1, count);
    this.#width = width;
  }

  /** The processor's frame; the compared model's overlay and the diff come with `keepOverlay`. */
  offer(frame: ProcessedFrame): void {
    const { result } = frame;
    const compare = result.compare;
    if (compare === undefined || result.overlay === undefined) return;
    if (compare.overlay === undefined || compare.diff === undefined) return;
    const sample: ComparisonSample = {
      logTimeNs: frame.logTimeNs,
      index: frame.index,
      curvature: result.curvature,
      compareCurvature: compare.curvature,
      steeringWheelAngle: result.steeringWheelAngle,
      compareSteeringWheelAngle: compare.steeringWheelAngle,
      maskDifference: compare.maskDifference,
      topIou: compare.topIou,
    };
    let pictures: Kept["pictures"] | undefined;
    for (const kind of ["steering", "look"] as const) {
      const kept = this.#kept[kind];
      const score = disagreement(sample, kind);
      if (!Number.isFinite(score)) continue;
      if (kept.length >= this.#count && score <= kept[kept.length - 1].score) continue;
      pictures ??= Promise.all([
        shrink(result.overlay, this.#width),
        shrink(compare.overlay, this.#width),
        shrink(compare.diff, this.#width),
      ]);
      pictures.catch(() => undefined);
      kept.push({ camera: frame.camera.name, sample, score, pictures });
      kept.sort((a, b) => b.score - a.score);
      kept.length = Math.min(kept.length, this.#count);
    }
  }

  /** The kept frames of a kind, largest disagreement first. */
  async frames(kind: Disagreement): Promise<ShownFrame[]> {
    return Promise.all(
      this.#kept[kind].map(async (k) => {
        const [main, compare, diff] = await k.pictures;
        return { camera: k.camera, sample: k.sample, main, compare, diff };
      }),
    );
  }
}

function shrink(frame: RgbFrame, width: number): Promise<Buffer> {
  const height = Math.max(1, Math.round((frame.height * width) / frame.width));
  return sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height)
    .png()
    .toBuffer();
}

const seconds = (logTimeNs: bigint, originNs: bigint): number => Number(logTimeNs - originNs) / 1e9;

/** Pearson's correlation of two series; NaN when either is constant or too short. */
export function correlation(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return NaN;
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/**
 * The one-paragraph summary: how much and which way the steering differs, where the largest
 * disagreements are, how differently the models look, and whether the two go together; on a
 * synthetic drive bag (`lane`), which model looks at lane markings more.
 */
export function comparisonParagraph(
  mainModel: string,
  run: ComparisonRun,
  cameraNames: readonly string[],
  originNs: bigint,
  lane?: LaneFocusFigures,
): string {
  const f = comparisonFigures(run);
  if (f.frames === 0) return `No frame was compared between ${mainModel} and ${run.modelName}.`;
  const all = run.cameras.flatMap((samples, camera) => samples.map((sample) => ({ camera, sample })));
  const at = (s: { camera: number; sample: ComparisonSample }): string =>
    `${seconds(s.sample.logTimeNs, originNs).toFixed(1)} s${cameraNames.length > 1 ? ` (${cameraNames[s.camera]})` : ""}`;
  const steer = largest(all, (s) => disagreement(s.sample, "steering"), 3);
  const look = largest(all, (s) => disagreement(s.sample, "look"), 3);
  const side = f.meanSignedCurvatureDifference > 0 ? "left" : "right";
  const r = correlation(
    all.map((s) => disagreement(s.sample, "steering")),
    all.map((s) => disagreement(s.sample, "look")),
  );
  const together = !Number.isFinite(r)
    ? "One of the two disagreements does not vary, so whether they go together cannot be told."
    : `Steering and look disagreement ${Math.abs(r) >= 0.5 ? "go together" : Math.abs(r) >= 0.2 ? "go together a little" : "do not go together"} (correlation ${r.toFixed(2)})${r >= 0.5 ? ": where the models steer differently they also look at different things" : ""}.`;
  return [
    `Over ${f.frames} frames, ${run.modelName} steers on average ${Math.abs(f.meanSignedCurvatureDifference).toFixed(5)} 1/m more to the ${side} than ${mainModel}`,
    `(mean |difference| ${f.meanCurvatureDifference.toFixed(5)} 1/m, largest ${f.maxCurvatureDifference.toFixed(5)} 1/m);`,
    `they disagree most in steering at ${steer.map(at).join(", ")}.`,
    `Their masks differ by ${f.meanMaskDifference.toFixed(4)} on average (0: identical, 1: opposite), and their 5 % most salient pixels overlap with an IoU of ${f.meanTopIou.toFixed(2)} on average (lowest ${f.minTopIou.toFixed(2)});`,
    `they look most differently at ${look.map(at).join(", ")}.`,
    together,
    ...(lane !== undefined ? [laneFocusSentence(mainModel, run.modelName, lane) ?? ""] : []),
  ]
    .filter((part) => part !== "")
    .join(" ");
}

const MAIN_COLOR = "#d62728";
const COMPARE_COLOR = "#1f77b4";

function img(png: Buffer, alt: string): string {
  return `<img src="data:image/png;base64,${png.toString("base64")}" alt="${escapeXml(alt)}">`;
}

function frameRows(
  frames: readonly ShownFrame[],
  mainModel: string,
  compareModel: string,
  origin: bigint,
): string {
  if (frames.length === 0) return "<p>no frames kept</p>";
  return frames
    .map((f) => {
      const s = f.sample;
      const caption =
        `${escapeXml(f.camera)} frame ${s.index}, ${seconds(s.logTimeNs, origin).toFixed(2)} s: curvature ${s.curvature.toFixed(5)} vs ${s.compareCurvature.toFixed(5)} 1/m, ` +
        `mask difference ${s.maskDifference.toFixed(4)}, top-5 % IoU ${s.topIou.toFixed(2)}`;
      return `<div class="cmp"><p>${caption}</p><div class="strip"><figure>${img(f.main, mainModel)}<figcaption>${escapeXml(mainModel)}</figcaption></figure><figure>${img(f.compare, compareModel)}<figcaption>${escapeXml(compareModel)}</figcaption></figure><figure>${img(f.diff, "difference")}<figcaption>difference: <span style="color:#c0c">${escapeXml(mainModel)}</span> / <span style="color:#0a0">${escapeXml(compareModel)}</span> / both white</figcaption></figure></div></div>`;
    })
    .join("\n");
}

/** The report's comparison section (HTML), or "" for a run without `--compare`. */
export async function renderComparisonSection(
  result: BagRunResult,
  collector: DisagreementCollector | undefined,
  /** Both models' lane and distractor focus, on a synthetic drive bag (lane-focus.ts). */
  lane?: LaneFocusFigures,
): Promise<string> {
  const run = result.comparison;
  if (run === undefined) return "";
  const origin = result.stats.firstLogTimeNs ?? 0n;
  const angle = result.recorded?.quantity === "steering_wheel_angle";
  const value = (s: ComparisonSample, compare: boolean): number =>
    angle
      ? compare
        ? s.compareSteeringWheelAngle
        : s.steeringWheelAngle
      : compare
        ? s.compareCurvature
        : s.curvature;
  const many = result.cameras.length > 1;
  const steering: ChartSeries[] = result.cameras.flatMap((camera) => {
    const samples = run.cameras[camera.index];
    const suffix = many ? ` (${camera.name})` : "";
    return [
      {
        label: `${result.modelName}${suffix}`,
        color: MAIN_COLOR,
        points: samples.map((s) => [seconds(s.logTimeNs, origin), value(s, false)] as const),
      },
      {
        label: `${run.modelName}${suffix}`,
        color: COMPARE_COLOR,
        points: samples.map((s) => [seconds(s.logTimeNs, origin), value(s, true)] as const),
      },
    ];
  });
  if (result.recorded !== undefined)
    steering.push({
      label: `recorded ${result.recorded.topic}`,
      color: "#333333",
      dashed: true,
      points: result.recorded.samples.map((s) => [seconds(s.logTimeNs, origin), s.value] as const),
    });
  const all = run.cameras.flat().sort((a, b) => (a.logTimeNs < b.logTimeNs ? -1 : 1));
  const look = lineChart(
    [
      {
        label: "mean absolute mask difference",
        color: "#9467bd",
        points: all.map((s) => [seconds(s.logTimeNs, origin), s.maskDifference] as const),
      },
      {
        label: "1 - IoU of the top 5 %",
        color: "#2ca02c",
        points: all.map((s) => [seconds(s.logTimeNs, origin), 1 - s.topIou] as const),
      },
    ],
    { xLabel: "time since the first frame, s", yLabel: "look disagreement (0: same)", height: 220 },
  );
  const steer = lineChart(
    [
      {
        label: `|${run.modelName} - ${result.modelName}| curvature`,
        color: "#ff7f0e",
        points: all.map(
          (s) => [seconds(s.logTimeNs, origin), Math.abs(s.compareCurvature - s.curvature)] as const,
        ),
      },
    ],
    { xLabel: "time since the first frame, s", yLabel: "steering disagreement, 1/m", height: 220 },
  );
  const byKind = async (kind: Disagreement): Promise<string> =>
    frameRows((await collector?.frames(kind)) ?? [], result.modelName, run.modelName, origin);
  const paragraph = comparisonParagraph(
    result.modelName,
    run,
    result.cameras.map((c) => c.name),
    origin,
    lane,
  );
  return `<h2>Comparison: ${escapeXml(result.modelName)} and ${escapeXml(run.modelName)}</h2>
<p class="summary">${escapeXml(paragraph)}</p>
<h3>Steering of both over time</h3>
${lineChart(steering, {
  xLabel: "time since the first frame, s",
  yLabel: angle ? "steering wheel angle, rad" : "curvature, 1/m (positive: left)",
})}
<h3>Disagreement over time</h3>
${steer}
${look}
<h3>Where they steer most differently</h3>
${await byKind("steering")}
<h3>Where they look most differently</h3>
${await byKind("look")}`;
}
