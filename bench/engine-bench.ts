import * as fs from "node:fs";
import { Engine } from "../src/engine/engine";
import { ProviderChoice } from "../src/engine/types";
import { DEFAULT_MODEL } from "../src/cli/package-paths";
import { buildPilotNet, mulberry32 } from "../src/onnx/cnn-builder";
import { median } from "./machine";

export interface EngineBenchRow {
  readonly batch: number;
  readonly runs: number;
  readonly forwardMs: number;
  readonly forwardVbpMs: number;
  /** (forward + VisualBackProp) / forward. */
  readonly ratio: number;
  /** Time VisualBackProp adds, as a share of the forward pass. */
  readonly addedPercent: number;
}

export interface EngineBenchOptions {
  readonly batches: readonly number[];
  readonly runs: number;
  readonly provider: ProviderChoice;
  readonly intraOpThreads: number;
}

/**
 * Forward pass alone against forward pass plus VisualBackProp, on two sessions with the same
 * options in one process. The two are measured alternately, so load from elsewhere hits both alike.
 */
export async function benchEngine(
  options: EngineBenchOptions,
): Promise<{ model: string; provider: string; rows: EngineBenchRow[] }> {
  const useShipped = fs.existsSync(DEFAULT_MODEL);
  const engine = await Engine.create({
    ...(useShipped ? { modelPath: DEFAULT_MODEL } : { modelBytes: buildPilotNet() }),
    provider: options.provider,
    intraOpThreads: options.intraOpThreads,
    log: () => undefined,
  });
  const rows: EngineBenchRow[] = [];
  try {
    const { channels, height, width } = engine.inputShape;
    const random = mulberry32(42);
    for (const batch of options.batches) {
      const input = Float32Array.from({ length: batch * channels * height * width }, () => random() * 255);
      const warmup = Math.max(10, Math.round(options.runs / 10));
      for (let i = 0; i < warmup; i++) {
        await engine.forward(input, batch);
        await engine.run(input, batch);
      }
      const forward: number[] = [];
      const combined: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        forward.push((await engine.forward(input, batch)).runMs);
        combined.push((await engine.run(input, batch)).runMs);
      }
      const f = median(forward);
      const c = median(combined);
      rows.push({
        batch,
        runs: options.runs,
        forwardMs: f,
        forwardVbpMs: c,
        ratio: c / f,
        addedPercent: ((c - f) / f) * 100,
      });
    }
    return {
      model: useShipped ? DEFAULT_MODEL : "PilotNet layout, random weights",
      provider: engine.provider,
      rows,
    };
  } finally {
    await engine.release();
  }
}
