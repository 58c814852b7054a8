import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEFAULT_MODEL } from "../src/cli/package-paths";
import { HELD_OUT_SEEDS } from "../src/drive/seeds";
import type { ProviderChoice } from "../src/engine/types";
import { processBag, type BagRunResult } from "../src/offline/bag-processor";
import { writeSyntheticDriveBag } from "../src/offline/synthetic-bag";
import { buildPilotNet } from "../src/onnx/cnn-builder";
import { loadModel } from "../src/frame/model-loader";
import type { LoadedModel } from "../src/frame/model-port";

export interface BagBenchOptions {
  /** Frames of the drive, default 300 (10 s at 30 Hz). */
  readonly frames?: number;
  /** Default: the package's model, or an untrained PilotNet of the same shape while it is missing. */
  readonly model?: string;
  readonly provider?: ProviderChoice;
  readonly batch?: number;
  /** Worker threads (default: one fewer than the cores). */
  readonly threads?: number;
  /** Output chunk compressions, each run `repeats` times, alternated (default zstd, lz4, none). */
  readonly compressions?: readonly ("zstd" | "lz4" | "none")[];
  /** Runs per compression (default 3); the run of median whole-run speed is reported. */
  readonly repeats?: number;
  /** Receives each run's full result (stage timings) for a closer look. */
  readonly onResult?: (result: BagRunResult, compression: string) => void;
}

export interface BagBenchResult {
  readonly frames: number;
  readonly seconds: number;
  readonly fps: number;
  /** Seconds of recording processed per second of wall time. */
  readonly realTimeMultiple: number;
  /** The slowest and fastest whole runs of the repeats (realTimeMultiple is their median). */
  readonly realTimeRange: readonly [number, number];
  readonly repeats: number;
  readonly compression: string;
  /** Frame worker threads the run used (0: the frame work ran in the main thread). */
  readonly workers: number;
  /** Mean ms per processed frame by stage (summed over the threads that ran it; see RunStats). */
  readonly stages: Record<string, number>;
  /**
   * The same run without its start and its end: recording seconds per wall second from the end
   * of the second engine batch to the end of the last (each batch's progress report), while every
   * thread is busy.
   */
  readonly steadyRealTimeMultiple: number;
  /** From the run's start to the end of its first engine batch: the frame workers and the writer thread starting, the first frames read and prepared. */
  readonly firstBatchMs: number;
  /** From the end of the last engine batch to the closed output: the last frames rendered and written, the summary and the flush to disk. */
  readonly closeMs: number;
  /** Before the run's clock starts, not in `seconds`: the output bag opened, its topics declared, the threads started. */
  readonly setupMs: number;
}

const RATE_HZ = 30;

/** The bag tool's stage table, ms per frame, one column per run, with image work over the engine. */
export function formatBagStages(runs: readonly BagBenchResult[]): string {
  const stages = Object.keys(runs[0]?.stages ?? {});
  const head = runs.map((r) => `${r.compression} (${r.realTimeMultiple.toFixed(2)}x)`.padStart(16)).join("");
  const lines = [`${"stage, ms/frame".padEnd(26)}${head}`];
  for (const stage of stages)
    lines.push(`${stage.padEnd(26)}${runs.map((r) => r.stages[stage].toFixed(2).padStart(16)).join("")}`);
  const image = (r: BagBenchResult) => r.stages.decode + r.stages.preprocess + r.stages.render;
  lines.push(
    `${"image work / engine, in run".padEnd(26)}${runs.map((r) => (image(r) / r.stages.engine).toFixed(2).padStart(16)).join("")}`,
  );
  lines.push(
    "decode, preprocess and render (mask, overlay, CDR) run in the main thread beside its read and engine " +
      "(with N frame workers, in the workers and, for one frame in 2 x N + 1, the main thread); write is the main thread handing " +
      "messages to the writer thread, and waiting while that thread is behind; compress is the writer " +
      "thread's chunk compression, which limits the run when write grows with it (choose --compression " +
      "lz4 or none, or fewer --outputs); wait is the main thread waiting for the frame workers; " +
      "image work / engine, in run, is decode, preprocess and render over the engine as this run timed them, " +
      "threads sharing the cores (the target's measure is the image bench's: one thread, nothing beside it)",
  );
  return lines.join("\n");
}

/**
 * Offline throughput of `visualbackprop bag` on a 640x480, 30 Hz synthetic drive: renders the
 * drive to a temporary, uncompressed bag once (not timed), then times the whole pipeline from
 * reading that bag to a closed output bag (decode, preprocess, engine, mask and overlay, CDR,
 * compression, writing), `repeats` times per compression, the compressions alternated so that a
 * change in the machine's load reaches them all. One run takes a second or two, and its start
 * and end (threads loading, the last chunks written and flushed) vary by a tenth of that.
 */
export async function benchBag(options: BagBenchOptions = {}): Promise<BagBenchResult[]> {
  const frames = options.frames ?? 300;
  const compressions = options.compressions ?? ["zstd", "lz4", "none"];
  const repeats = options.repeats ?? 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-bag-bench-"));
  try {
    let modelPath = options.model ?? DEFAULT_MODEL;
    if (options.model === undefined && !fs.existsSync(modelPath)) {
      modelPath = path.join(dir, "pilotnet.onnx");
      fs.writeFileSync(modelPath, buildPilotNet());
    }
    const input = path.join(dir, "drive");
    // Uncompressed, as `ros2 bag record` writes MCAP by default.
    await writeSyntheticDriveBag(input, {
      seed: HELD_OUT_SEEDS[0],
      frames,
      rateHz: RATE_HZ,
      compression: "none",
    });
    // One ONNX Runtime thread: the frame workers and the writer thread use the other cores.
    const model = await loadModel({ modelPath, provider: options.provider ?? "cpu", intraOpThreads: 1 });
    try {
      const { channels, height, width } = model.engine.inputShape;
      await model.engine.run(new Float32Array(channels * height * width), 1);
      const runs = new Map<string, BagBenchResult[]>(compressions.map((c) => [c, []]));
      for (let k = 0; k < repeats; k++)
        for (const compression of compressions) {
          const output = path.join(dir, `out-${compression}-${k}`);
          runs.get(compression)?.push(await timeRun(input, output, model, compression, options));
          // Each output is a few hundred megabytes: gone before the next run writes its own.
          fs.rmSync(output, { recursive: true, force: true });
        }
      return compressions.map((compression) => medianRun(runs.get(compression) ?? []));
    } finally {
      await model.engine.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function timeRun(
  input: string,
  output: string,
  model: LoadedModel,
  compression: "zstd" | "lz4" | "none",
  options: BagBenchOptions,
): Promise<BagBenchResult> {
  const progress: { frames: number; elapsedMs: number }[] = [];
  const called = performance.now();
  const result = await processBag({
    onProgress: ({ frames, elapsedMs }) => progress.push({ frames, elapsedMs }),
    input,
    output,
    model,
    batch: options.batch,
    threads: options.threads,
    compression,
    colorMap: "jet",
    opacity: 0.5,
    geometry: { wheelbaseM: 2.85, steeringRatio: 15 },
  });
  const setupMs = performance.now() - called - result.wallMs;
  options.onResult?.(result, compression);
  const seconds = result.wallMs / 1000;
  const processed = result.stats.processed;
  const from = progress[Math.min(1, progress.length - 1)];
  const to = progress[progress.length - 1];
  const steadyFps = (to.frames - from.frames) / ((to.elapsedMs - from.elapsedMs) / 1000);
  const multiple = processed / RATE_HZ / seconds;
  return {
    frames: processed,
    seconds,
    fps: processed / seconds,
    realTimeMultiple: multiple,
    realTimeRange: [multiple, multiple],
    repeats: 1,
    compression,
    workers: result.threads,
    steadyRealTimeMultiple: steadyFps / RATE_HZ,
    firstBatchMs: progress[0].elapsedMs,
    closeMs: result.wallMs - to.elapsedMs,
    setupMs,
    stages: Object.fromEntries(
      [...result.stats.stageMs].map(([stage, ms]) => [stage, ms / Math.max(1, processed)]),
    ),
  };
}

/** The run of median whole-run speed, with the range of all of them. */
function medianRun(runs: readonly BagBenchResult[]): BagBenchResult {
  const sorted = [...runs].sort((a, b) => a.realTimeMultiple - b.realTimeMultiple);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return {
    ...median,
    realTimeRange: [sorted[0].realTimeMultiple, sorted[sorted.length - 1].realTimeMultiple],
    repeats: runs.length,
  };
}

if (require.main === module) {
  benchBag({
    threads: process.env.VBP_BENCH_THREADS === undefined ? undefined : Number(process.env.VBP_BENCH_THREADS),
    compressions: ["lz4"],
    onResult: (r) => {
      const n = Math.max(1, r.stats.processed);
      const stages = [...r.stats.stageMs].map(([s, ms]) => `${s} ${(ms / n).toFixed(2)}`).join(", ");
      console.log(`ms/frame by stage: ${stages}`);
    },
  }).then(
    ([r]) =>
      console.log(
        `bag pipeline, 640x480 at ${RATE_HZ} Hz, lz4: ${r.frames} frames in ${r.seconds.toFixed(2)} s = ${r.fps.toFixed(1)} frames/s, ${r.realTimeMultiple.toFixed(2)}x real time (median of ${r.repeats}); load ${os.loadavg()[0].toFixed(2)}`,
      ),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
