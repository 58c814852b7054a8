import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_MODEL } from "../src/cli/package-paths";
import { HELD_OUT_SEEDS } from "../src/drive/seeds";
import { loadModel } from "../src/frame/model-loader";
import type { LoadedModel } from "../src/frame/model-port";
import { processBag } from "../src/offline/bag-processor";
import { writeSyntheticDriveBag } from "../src/offline/synthetic-bag";
import { parseOnnxModel } from "../src/onnx/onnx-model";
import { replaceInitializers } from "../src/onnx/onnx-edit";
import { median } from "./machine";

export interface CompareBenchOptions {
  /** Frames of the drive, default 300 (10 s at 30 Hz). */
  readonly frames?: number;
  /** Runs of each kind, alternated single, compare, single, ... (default 3). */
  readonly rounds?: number;
}

export interface CompareBenchResult {
  readonly frames: number;
  /** Wall time of each run, s. */
  readonly singleSeconds: readonly number[];
  readonly compareSeconds: readonly number[];
  /** Median compare over median single: the cost of a comparison (target <= 2.2). */
  readonly ratio: number;
  /** 1-minute load average before and after, to read the figures by. */
  readonly load: readonly [number, number];
  readonly stages: { readonly single: Record<string, number>; readonly compare: Record<string, number> };
}

const RATE_HZ = 30;

/**
 * `visualbackprop bag --compare` against `visualbackprop bag` on the same 640x480, 30 Hz drive in
 * one process, runs alternated so both see the same machine: the compared model is the shipped
 * one with its last layer zeroed (same shape and spec, so the cost of a real second model).
 */
export async function benchCompare(options: CompareBenchOptions = {}): Promise<CompareBenchResult> {
  const frames = options.frames ?? 300;
  const rounds = options.rounds ?? 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-compare-bench-"));
  const models: LoadedModel[] = [];
  try {
    const input = path.join(dir, "drive");
    await writeSyntheticDriveBag(input, {
      seed: HELD_OUT_SEEDS[0],
      frames,
      rateHz: RATE_HZ,
      compression: "none",
    });
    const shipped = parseOnnxModel(fs.readFileSync(DEFAULT_MODEL));
    const other = path.join(dir, "other.onnx");
    fs.writeFileSync(
      other,
      replaceInitializers(shipped, [{ name: "head.7.weight", dims: [1, 10], data: new Float32Array(10) }]),
    );
    fs.copyFileSync(DEFAULT_MODEL.replace(/\.onnx$/, ".json"), path.join(dir, "other.json"));
    for (const modelPath of [DEFAULT_MODEL, other]) {
      const model = await loadModel({ modelPath, provider: "cpu", intraOpThreads: 1 });
      const { channels, height, width } = model.engine.inputShape;
      await model.engine.run(new Float32Array(channels * height * width), 1);
      models.push(model);
    }
    const load0 = os.loadavg()[0];
    const single: number[] = [];
    const compared: number[] = [];
    const stages = { single: {} as Record<string, number>, compare: {} as Record<string, number> };
    for (let round = 0; round < rounds; round++) {
      for (const kind of ["single", "compare"] as const) {
        const output = path.join(dir, `out-${kind}-${round}`);
        const result = await processBag({
          input,
          output,
          model: models[0],
          compare: kind === "compare" ? models[1] : undefined,
          colorMap: "jet",
          opacity: 0.5,
          geometry: { wheelbaseM: 2.85, steeringRatio: 15 },
        });
        fs.rmSync(output, { recursive: true, force: true });
        (kind === "single" ? single : compared).push(result.wallMs / 1000);
        const n = Math.max(1, result.stats.processed);
        stages[kind] = Object.fromEntries([...result.stats.stageMs].map(([stage, ms]) => [stage, ms / n]));
      }
    }
    return {
      frames,
      singleSeconds: single,
      compareSeconds: compared,
      ratio: median(compared) / median(single),
      load: [load0, os.loadavg()[0]],
      stages,
    };
  } finally {
    for (const model of models) await model.engine.release();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The section's lines. */
export function formatCompare(r: CompareBenchResult): string {
  const s = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(", ");
  const stageNames = Object.keys(r.stages.single);
  return [
    `bag (one model):       ${s(r.singleSeconds)} s (median ${median(r.singleSeconds).toFixed(2)})`,
    `bag --compare (two):   ${s(r.compareSeconds)} s (median ${median(r.compareSeconds).toFixed(2)})`,
    `compare / single: ${r.ratio.toFixed(2)}x (target <= 2.2x); load average ${r.load[0].toFixed(2)} before, ${r.load[1].toFixed(2)} after`,
    `ms/frame by stage (last run), single | compare: ${stageNames
      .map(
        (stage) =>
          `${stage} ${r.stages.single[stage].toFixed(2)} | ${(r.stages.compare[stage] ?? 0).toFixed(2)}`,
      )
      .join(", ")}`,
  ].join("\n");
}
