import * as fs from "node:fs";
import { DEFAULT_MODEL } from "../src/cli/package-paths";
import { Engine } from "../src/engine/engine";
import { GraphOptimizationLevel } from "../src/engine/types";
import { buildPilotNet, mulberry32 } from "../src/onnx/cnn-builder";
import { timeAgainstForward } from "./methods-bench";

export interface LevelRow {
  readonly level: GraphOptimizationLevel;
  readonly batch: number;
  readonly forwardMs: number;
  readonly forwardVbpMs: number;
}

/**
 * Forward alone and forward plus VisualBackProp under ONNX Runtime's "all" and "extended" graph
 * optimisation. "all" adds the NCHWc layout, which speeds the convolutions but makes every
 * feature map VisualBackProp reads cost a layout conversion; which level is faster depends on batch.
 */
export async function benchLevels(options: {
  batches: readonly number[];
  runs: number;
}): Promise<LevelRow[]> {
  const source = fs.existsSync(DEFAULT_MODEL)
    ? { modelPath: DEFAULT_MODEL }
    : { modelBytes: buildPilotNet() };
  const rows: LevelRow[] = [];
  // One level at a time, so only its two sessions are open (see benchMethods).
  for (const level of ["all", "extended"] as const) {
    const engine = await Engine.create({
      ...source,
      provider: "cpu",
      graphOptimizationLevel: level,
      log: () => undefined,
    });
    try {
      const { channels, height, width } = engine.inputShape;
      const random = mulberry32(7);
      for (const batch of options.batches) {
        const input = Float32Array.from({ length: batch * channels * height * width }, () => random() * 255);
        const { forwardMs, totalMs } = await timeAgainstForward(engine, input, batch, options.runs);
        rows.push({ level, batch, forwardMs, forwardVbpMs: totalMs });
      }
    } finally {
      await engine.release();
    }
  }
  return rows;
}

export function formatLevels(rows: readonly LevelRow[]): string {
  const lines = [
    "VisualBackProp by graph optimisation level (medians, each session timed in blocks of runs)",
    "level     batch  forward ms  forward+VBP ms  VBP adds",
  ];
  for (const r of rows) {
    const added = ((r.forwardVbpMs - r.forwardMs) / r.forwardMs) * 100;
    lines.push(
      `${r.level.padEnd(9)} ${String(r.batch).padStart(5)}  ${r.forwardMs.toFixed(3).padStart(10)}  ${r.forwardVbpMs.toFixed(3).padStart(14)}  ${added.toFixed(1).padStart(6)} %`,
    );
  }
  return lines.join("\n");
}
