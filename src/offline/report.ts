/**
 * `--report DIR`: one self-contained HTML page (overlay thumbnails, predicted steering over time
 * with the recorded steering when there is one, the timing, the summary) and, when asked, every
 * overlay as a PNG. Collects what it needs while the run goes (the processor's `onFrame`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { canonical } from "../cli/output-guard";
import { encodePng } from "../image/image-file";
import type { BagRunResult, ProcessedFrame } from "./bag-processor";
import { escapeXml, lineChart, type ChartSeries } from "./svg-chart";
import { recordedComparison, summaryLines, throughput } from "./summary";
import { STAGES } from "./run-stats";
import { type Thumbnail, ThumbnailSampler } from "./thumbnails";
import { foxgloveHowToHtml } from "../view/bag-layout";
import { DisagreementCollector, renderComparisonSection } from "./comparison-report";
import type { LaneFocusComparison } from "./lane-focus";

export interface ReportOptions {
  readonly dir: string;
  /** Also write every overlay as `frames/<camera>/<index>.png`. */
  readonly frames?: boolean;
  /** Replace an earlier report in `dir`. */
  readonly force?: boolean;
  /** Paths the report may not be inside or contain (the input and output bags). */
  readonly protect?: readonly string[];
}

/** Files and folders a report directory holds; anything else means it is not an old report. */
const REPORT_ENTRIES = new Set(["index.html", "frames", ".visualbackprop-report"]);
const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];

function within(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * The file every report directory gets first; `--force` replaces a directory only when it holds it,
 * so an `index.html` of some other tool is never removed.
 */
export const REPORT_MARKER = ".visualbackprop-report";

/**
 * Checks, without changing anything, that the report may go to `options.dir`: never inside or
 * around a bag, and an existing non-empty directory only with `force` and only when it holds an
 * earlier report of this package.
 */
export function checkReportDir(options: ReportOptions): string {
  const dir = canonical(options.dir);
  for (const protectedPath of options.protect ?? []) {
    const other = canonical(protectedPath);
    if (within(dir, other) || within(other, dir)) {
      throw new Error(
        `report ${options.dir} overlaps the bag ${protectedPath}; choose another --report directory`,
      );
    }
  }
  if (!fs.existsSync(dir)) return dir;
  if (!fs.statSync(dir).isDirectory()) throw new Error(`report ${options.dir} exists and is not a directory`);
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return dir;
  if (!options.force) throw new Error(`report ${options.dir} already exists (pass --force to replace it)`);
  const foreign = entries.filter((e) => !REPORT_ENTRIES.has(e));
  if (foreign.length > 0) {
    throw new Error(
      `report ${options.dir} holds files that are not an earlier report (${foreign.slice(0, 3).join(", ")}); not replacing it`,
    );
  }
  if (!entries.includes(REPORT_MARKER)) {
    throw new Error(
      `report ${options.dir} was not written by visualbackprop (no ${REPORT_MARKER} in it); ` +
        `--force replaces only its own reports. Choose another --report directory, or remove it yourself`,
    );
  }
  return dir;
}

/** Checks the report directory (see checkReportDir), empties an earlier report there, and marks it. */
export function prepareReportDir(options: ReportOptions): string {
  const dir = checkReportDir(options);
  if (fs.existsSync(dir)) {
    for (const entry of fs.readdirSync(dir))
      fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, REPORT_MARKER),
    "Written by visualbackprop bag --report; --force may replace this directory.\n",
  );
  return dir;
}

/** Gathers thumbnails (and PNG frames) during a run and writes the page at the end. */
export class ReportCollector {
  readonly dir: string;
  readonly #options: ReportOptions;
  readonly #samplers = new Map<number, ThumbnailSampler>();
  /** The frames of largest disagreement, with `--compare`. */
  readonly #disagreements = new DisagreementCollector();
  /** Both models against a synthetic drive's truth, when the bag is one (measureLaneFocus). */
  #lane: LaneFocusComparison | undefined;
  #pngFrames = 0;

  /** Prepares `options.dir` (see prepareReportDir); throws before anything is processed. */
  constructor(options: ReportOptions) {
    this.#options = { ...options };
    this.dir = prepareReportDir(options);
  }

  /**
   * With `--compare` on a synthetic drive bag: measure both models' lane and distractor focus on
   * every frame, for the comparison paragraph. Call before the run.
   */
  measureLaneFocus(lane: LaneFocusComparison): void {
    this.#lane = lane;
  }

  /** The processor's `onFrame`. */
  readonly onFrame = async (frame: ProcessedFrame): Promise<void> => {
    let sampler = this.#samplers.get(frame.camera.index);
    if (sampler === undefined) {
      sampler = new ThumbnailSampler();
      this.#samplers.set(frame.camera.index, sampler);
    }
    this.#disagreements.offer(frame);
    this.#lane?.offer(frame);
    // The processor renders the overlay for `onFrame` even when the bag does not get it.
    const { overlay } = frame.result;
    if (overlay === undefined) return;
    sampler.offer(frame.index, frame.logTimeNs, overlay);
    if (this.#options.frames) {
      const folder = path.join(this.dir, "frames", frame.camera.name);
      if (frame.index === 0) fs.mkdirSync(folder, { recursive: true });
      const png = await encodePng(overlay.data, overlay.width, overlay.height, 3);
      await fs.promises.writeFile(path.join(folder, `${String(frame.index).padStart(6, "0")}.png`), png);
      this.#pngFrames += 1;
    }
  };

  /** Writes `index.html`; returns its path. */
  async write(result: BagRunResult): Promise<string> {
    const thumbnails = new Map<number, Thumbnail[]>();
    for (const [camera, sampler] of this.#samplers) thumbnails.set(camera, await sampler.thumbnails());
    const file = path.join(this.dir, "index.html");
    const temp = `${file}.partial-${process.pid}`;
    const comparison = await renderComparisonSection(result, this.#disagreements, this.#lane?.figures());
    fs.writeFileSync(temp, renderReport(result, thumbnails, this.#pngFrames, comparison));
    fs.renameSync(temp, file);
    return file;
  }
}

function seconds(logTimeNs: bigint, originNs: bigint): number {
  return Number(logTimeNs - originNs) / 1e9;
}

/** The HTML page. */
export function renderReport(
  result: BagRunResult,
  thumbnails: ReadonlyMap<number, readonly Thumbnail[]>,
  pngFrames: number,
  /** The comparison section (comparison-report.ts), with `--compare`. */
  comparisonHtml = "",
): string {
  const { stats } = result;
  const origin = stats.firstLogTimeNs ?? 0n;
  const angle = result.recorded?.quantity === "steering_wheel_angle";
  const series: ChartSeries[] = result.cameras.map((camera, i) => ({
    label: `predicted ${angle ? "steering wheel angle" : "curvature"} (${camera.name})`,
    color: COLORS[i % COLORS.length],
    points: stats.cameras[camera.index].steering.map((s) => [
      seconds(s.logTimeNs, origin),
      angle ? s.steeringWheelAngle : s.curvature,
    ]),
  }));
  if (result.recorded !== undefined) {
    series.push({
      label: `recorded ${result.recorded.topic}`,
      color: "#333333",
      dashed: true,
      points: result.recorded.samples.map((s) => [seconds(s.logTimeNs, origin), s.value]),
    });
  }
  const chart = lineChart(series, {
    xLabel: "time since the first frame, s",
    yLabel: angle ? "steering wheel angle, rad" : "curvature, 1/m (positive: left)",
  });
  const strips = result.cameras
    .map((camera) => {
      const images = (thumbnails.get(camera.index) ?? [])
        .map(
          (t) =>
            `<figure><img src="data:image/png;base64,${t.png.toString("base64")}" alt="frame ${t.index}"><figcaption>${seconds(t.logTimeNs, origin).toFixed(1)} s</figcaption></figure>`,
        )
        .join("\n");
      return `<h3>${escapeXml(camera.name)} <small>${escapeXml(camera.topic)} &rarr; ${escapeXml(camera.outputs.overlay)}</small></h3>\n<div class="strip">${images || "<p>no frames processed</p>"}</div>`;
    })
    .join("\n");
  const t = throughput(result);
  const frames = Math.max(1, stats.processed + stats.skipped);
  const stageRows = STAGES.map(
    (s) => `<tr><td>${s}</td><td>${((stats.stageMs.get(s) ?? 0) / frames).toFixed(2)}</td></tr>`,
  ).join("");
  const comparison = recordedComparison(result);
  const status = { complete: "complete", partial: "partial input", interrupted: "interrupted" }[
    result.status
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>VisualBackProp: ${escapeXml(path.basename(result.input))}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}
.strip{display:flex;gap:6px;overflow-x:auto;padding-bottom:8px}
figure{margin:0;text-align:center;font-size:11px;color:#555}
figure img{display:block;border:1px solid #ccc}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}
pre{background:#f5f5f5;padding:10px;overflow-x:auto;font-size:12px}
small{color:#777;font-weight:normal}
.cmp p{margin:14px 0 4px;font-size:13px}
.summary{background:#f5f8ff;padding:10px;border-left:3px solid #1f77b4}
</style></head><body>
<h1>VisualBackProp on ${escapeXml(path.basename(result.input))}${result.comparison ? `: ${escapeXml(result.modelName)} compared with ${escapeXml(result.comparison.modelName)}` : ""}</h1>
<p>Input <code>${escapeXml(result.input)}</code>, output <code>${escapeXml(result.output)}</code>, model <code>${escapeXml(result.modelName)}</code> (${escapeXml(result.provider)}), status <b>${status}</b>: ${stats.processed} frames processed, ${stats.skipped} skipped.</p>
<h2>Overlays</h2>
${strips}
<h2>Steering over time</h2>
${chart}
${comparison ? `<p>Mean |predicted &minus; recorded|: ${comparison.mae.toFixed(4)} ${comparison.unit} over ${comparison.pairs} frames.</p>` : ""}
${comparisonHtml}
${foxgloveHowToHtml(result.output, escapeXml)}
<h2>Timing</h2>
<table><tr><th>measure</th><th>value</th></tr>
<tr><td>wall time, s</td><td>${(result.wallMs / 1000).toFixed(2)}</td></tr>
<tr><td>frames per second</td><td>${t.fps.toFixed(1)}</td></tr>
<tr><td>ms per frame</td><td>${t.msPerFrame.toFixed(2)}</td></tr>
<tr><td>multiple of real time</td><td>${t.realTime.toFixed(2)}</td></tr>
<tr><td>batch</td><td>${result.batch}</td></tr>
</table>
<p>Milliseconds per frame by stage:</p>
<table><tr><th>stage</th><th>ms/frame</th></tr>${stageRows}</table>
${pngFrames > 0 ? `<p>${pngFrames} overlay frames as PNG in <code>frames/</code>.</p>` : ""}
<h2>Summary</h2>
<pre>${escapeXml(summaryLines(result).join("\n"))}</pre>
</body></html>
`;
}
