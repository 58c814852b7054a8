/**
 * The text a person reads at the end of a run: what was processed and skipped and why, the
 * predicted steering, the timing, and how the run ended. Pure: returns lines.
 */
import * as path from "node:path";
import { countSkipped } from "../bag/problems";
import type { BagRunResult } from "./bag-processor";
import { meanAbsoluteDifference } from "./recorded-steering";
import { seriesStats, STAGES } from "./run-stats";
import { comparisonLines } from "./comparison-stats";

const RAD_TO_DEG = 180 / Math.PI;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

/** Frames per second and the multiple of real time of a run. */
export function throughput(result: BagRunResult): { fps: number; realTime: number; msPerFrame: number } {
  const frames = result.stats.processed + result.stats.skipped;
  const seconds = result.wallMs / 1000;
  return {
    fps: seconds > 0 ? frames / seconds : 0,
    realTime: seconds > 0 ? result.stats.recordedSeconds / seconds : 0,
    msPerFrame: frames > 0 ? result.wallMs / frames : 0,
  };
}

/** The prediction the recorded topic is compared with. */
export function recordedComparison(
  result: BagRunResult,
): { mae: number; pairs: number; unit: string } | undefined {
  const recorded = result.recorded;
  if (recorded === undefined) return undefined;
  const angle = recorded.quantity === "steering_wheel_angle";
  const predicted = result.stats.cameras.flatMap((c) =>
    c.steering.map((s) => ({ logTimeNs: s.logTimeNs, value: angle ? s.steeringWheelAngle : s.curvature })),
  );
  const diff = meanAbsoluteDifference(predicted, recorded.samples);
  return diff === undefined ? undefined : { ...diff, unit: angle ? "rad" : "1/m" };
}

function threadText(threads: number): string {
  return threads === 0 ? "no worker threads" : `${plural(threads, "worker thread")}`;
}

/** The summary lines, without a trailing newline. */
export function summaryLines(result: BagRunResult): string[] {
  const { stats } = result;
  const lines: string[] = [];
  lines.push(`bag: ${result.input} -> ${result.output}`);
  for (const camera of result.cameras) {
    const c = stats.cameras[camera.index];
    lines.push(
      `  camera ${camera.name}: ${camera.topic} -> /${camera.outputs.mask.split("/")[1]}/${camera.name}/{mask,overlay,steering,saliency}`,
    );
    const reasons = [...c.skipReasons].map(([reason, n]) => `${reason} ${n}`).join(", ");
    lines.push(`    frames: ${c.processed} processed, ${c.skipped} skipped${reasons ? ` (${reasons})` : ""}`);
    const curvature = seriesStats(c.steering.map((s) => s.curvature));
    const angle = seriesStats(c.steering.map((s) => s.steeringWheelAngle));
    if (curvature.count > 0) {
      lines.push(
        `    steering: curvature mean ${fixed(curvature.mean, 4)} 1/m, std ${fixed(curvature.std, 4)}, ` +
          `range ${fixed(curvature.min, 4)} .. ${fixed(curvature.max, 4)}; steering wheel ` +
          `${fixed(angle.min * RAD_TO_DEG, 1)} .. ${fixed(angle.max * RAD_TO_DEG, 1)} deg`,
      );
    }
  }
  if (result.recorded !== undefined) {
    const comparison = recordedComparison(result);
    const r = result.recorded;
    lines.push(
      `  recorded steering ${r.topic} (${r.type}, as ${r.quantity}): ${plural(r.samples.length, "message")}` +
        (comparison
          ? `; mean |predicted - recorded| ${fixed(comparison.mae, 4)} ${comparison.unit} over ${plural(comparison.pairs, "frame")}`
          : "; no frame within 0.1 s of a recorded value") +
        (r.undecodable > 0 ? `; ${r.undecodable} did not decode` : ""),
    );
  }
  if (result.comparison !== undefined)
    lines.push(...comparisonLines(result.modelName, result.comparison).map((line) => `  ${line}`));
  if (result.problems.length > 0) {
    lines.push(`  input damage: ${plural(result.problems.length, "problem")}, ${lostText(result)}`);
    for (const p of result.problems) lines.push(`    ${p.kind}: ${path.basename(p.file)}: ${p.message}`);
  }
  for (const note of result.notes) lines.push(`  note: ${note}`);
  const t = throughput(result);
  const frames = stats.processed + stats.skipped;
  const stageText = STAGES.map(
    (s) => `${s} ${fixed((stats.stageMs.get(s) ?? 0) / Math.max(1, frames), 1)}`,
  ).join(", ");
  lines.push(
    `  time: ${fixed(result.wallMs / 1000, 1)} s for ${plural(frames, "frame")}: ${fixed(t.msPerFrame, 1)} ms/frame, ` +
      `${fixed(t.fps, 1)} frames/s, ${fixed(t.realTime, 2)}x real time (model ${result.modelName}, ${result.provider}, batch ${result.batch}, ${threadText(result.threads)})`,
  );
  lines.push(`    ms/frame by stage: ${stageText}`);
  lines.push(`  output: ${result.output} (${plural(result.outputMessages, "message")})`);
  lines.push(statusLine(result));
  return lines;
}

/**
 * How many input messages were lost, as far as it can be known: metadata.yaml's count minus the
 * messages read when the bag lists one; otherwise what the damage reports count, and "unknown" when
 * a damaged part could not be counted (a file cut inside a chunk, a database that stops reading).
 */
export function lostText(result: Pick<BagRunResult, "problems" | "inputMessages" | "status">): string {
  const { read, listed } = result.inputMessages;
  const known = countSkipped(result.problems);
  if (listed !== undefined && result.status !== "interrupted" && listed > read) {
    return `${plural(listed - read, "input message")} lost (${read} of the ${listed} metadata.yaml lists were read)`;
  }
  const uncounted = result.problems.some((p) => p.kind !== "no-summary" && p.skippedMessages === undefined);
  if (uncounted) {
    return known > 0
      ? `at least ${plural(known, "input message")} lost (the exact number is unknown)`
      : "an unknown number of input messages lost";
  }
  return `${plural(known, "input message")} lost`;
}

/** The last line: how the run ended and what the output holds. */
export function statusLine(result: BagRunResult): string {
  const frames = plural(result.stats.processed, "frame");
  switch (result.status) {
    case "complete":
      return `done: all ${frames} processed`;
    case "partial":
      return `partial: ${frames} processed, ${result.stats.skipped} skipped, ${lostText(result)}; the output is a valid bag with everything that could be read (exit code 3)`;
    case "interrupted":
      return `interrupted (${result.interruptedBy ?? "abort"}): the output is a valid, finalised bag with the ${frames} processed so far`;
  }
}
