import * as fs from "node:fs";
import * as os from "node:os";
import { DEFAULT_MODEL } from "../src/cli/package-paths";
import { Engine } from "../src/engine/engine";
import { ProviderChoice, SALIENCY_METHODS, SaliencyMethod } from "../src/engine/types";
import { buildPilotNet, mulberry32 } from "../src/onnx/cnn-builder";
import { machineLine, median, timeInBlocks } from "./machine";

export interface MethodsBenchOptions {
  readonly batches?: readonly number[];
  /** Timed runs of each session per batch size, in blocks of 10 after 3 untimed runs each. */
  readonly runs?: number;
  readonly provider?: ProviderChoice;
  readonly intraOpThreads?: number;
  /** An ONNX model; default the package's model, or PilotNet's layout with random weights. */
  readonly modelPath?: string;
}

export interface MethodTiming {
  /** Median wall time of the forward pass alone, timed beside this method's session, ms. */
  readonly forwardMs: number;
  /** Median wall time of forward pass + map, one session run, ms. */
  readonly totalMs: number;
  /** totalMs - forwardMs: what the map adds. */
  readonly addedMs: number;
  /** addedMs / forwardMs. */
  readonly addedRatio: number;
}

export interface MethodsBenchRow {
  readonly batch: number;
  readonly runs: number;
  /** The forward pass alone, as timed beside VisualBackProp. */
  readonly forwardMs: number;
  readonly methods: Readonly<Record<SaliencyMethod, MethodTiming>>;
  /** LRP's added time over VisualBackProp's: the paper's 24.6 ms / 2.0 ms = 12.3. */
  readonly lrpOverVbp: number;
}

export interface MethodsBenchResult {
  readonly machine: string;
  /** 1, 5 and 15 minute load averages at the start and at the end: the machine may be shared. */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly model: string;
  readonly provider: string;
  readonly rows: readonly MethodsBenchRow[];
}

/**
 * Forward pass alone against forward pass plus each saliency map, in one process with the same
 * session options. Each method is timed against the forward pass with only those two sessions
 * open, in blocks of consecutive runs (see `timeInBlocks`); medians. With all four sessions open at
 * once every session ran slower and less evenly at batch 1 (PilotNet's forward pass 0.38 ms
 * against 0.24 ms with one other session open), which hid most of VisualBackProp's added time.
 */
export async function benchMethods(options: MethodsBenchOptions = {}): Promise<MethodsBenchResult> {
  const batches = options.batches ?? [1, 8, 32];
  const runs = options.runs ?? 100;
  const loadBefore = os.loadavg();
  const modelPath = options.modelPath ?? (fs.existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : undefined);
  const timings = new Map<SaliencyMethod, Map<number, MethodTiming>>();
  let provider = "";
  for (const method of SALIENCY_METHODS) {
    const engine = await Engine.create({
      ...(modelPath !== undefined ? { modelPath } : { modelBytes: buildPilotNet() }),
      method,
      provider: options.provider ?? "cpu",
      intraOpThreads: options.intraOpThreads ?? 0,
      log: () => undefined,
    });
    try {
      provider = engine.provider;
      const { channels, height, width } = engine.inputShape;
      const random = mulberry32(42); // the same inputs for every method
      const byBatch = new Map<number, MethodTiming>();
      for (const batch of batches) {
        const input = Float32Array.from({ length: batch * channels * height * width }, () => random() * 255);
        const { forwardMs, totalMs } = await timeAgainstForward(engine, input, batch, runs);
        const addedMs = totalMs - forwardMs;
        byBatch.set(batch, { forwardMs, totalMs, addedMs, addedRatio: addedMs / forwardMs });
      }
      timings.set(method, byBatch);
    } finally {
      await engine.release();
    }
  }
  const rows = batches.map((batch): MethodsBenchRow => {
    const of = (method: SaliencyMethod) => timings.get(method)?.get(batch) as MethodTiming;
    const methods = { vbp: of("vbp"), lrp: of("lrp"), gradient: of("gradient") };
    return {
      batch,
      runs,
      forwardMs: methods.vbp.forwardMs,
      methods,
      lrpOverVbp: methods.lrp.addedMs / methods.vbp.addedMs,
    };
  });
  return {
    machine: machineLine(),
    loadBefore,
    loadAfter: os.loadavg(),
    model: modelPath ?? "PilotNet layout, random weights",
    provider,
    rows,
  };
}

/**
 * Medians of an engine's forward pass alone and of its forward pass + map, timed in blocks
 * (`timeInBlocks`) with no other session open; ms.
 */
export async function timeAgainstForward(
  engine: Engine,
  input: Float32Array,
  batch: number,
  runs: number,
): Promise<{ forwardMs: number; totalMs: number }> {
  const times = await timeInBlocks(
    ["forward", "map"] as const,
    async (session) =>
      session === "forward"
        ? (await engine.forward(input, batch)).runMs
        : (await engine.run(input, batch)).runMs,
    { runs },
  );
  return { forwardMs: median(times.get("forward") ?? []), totalMs: median(times.get("map") ?? []) };
}

export interface MemoryBenchOptions {
  readonly frames?: number;
  readonly batch?: number;
  readonly method?: SaliencyMethod;
  readonly provider?: ProviderChoice;
  readonly modelPath?: string;
}

export interface MemoryBenchResult {
  readonly method: SaliencyMethod;
  readonly frames: number;
  readonly batch: number;
  /** Resident set size after the warm-up, at the end, and at its highest sample, MiB. */
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly rssMaxMiB: number;
  readonly growthMiB: number;
  /** Last sample minus the first: growth once the runtime's arenas have settled (a leak keeps climbing). */
  readonly driftMiB: number;
  /**
   * Highest sample of the second half minus highest of the first: RSS swings by tens of MiB as
   * the collector frees output buffers, so start-to-end differences are noise; a leak raises the
   * peaks.
   */
  readonly peakTrendMiB: number;
  /** Samples of RSS (MiB), one every `sampleEvery` frames. */
  readonly samples: readonly number[];
  readonly sampleEvery: number;
  readonly seconds: number;
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Highest sample of the second half minus the highest of the first, MiB. */
export function peakTrend(samples: readonly number[]): number {
  const half = Math.floor(samples.length / 2);
  if (half === 0) return 0;
  const peak = (values: readonly number[]) => Math.max(...values);
  return Math.round((peak(samples.slice(half)) - peak(samples.slice(0, half))) * 10) / 10;
}

/** A long run through one engine with resident memory sampled: growth means a leak somewhere. */
export async function benchMemory(options: MemoryBenchOptions = {}): Promise<MemoryBenchResult> {
  const frames = options.frames ?? 10_000;
  const batch = options.batch ?? 16;
  const method = options.method ?? "vbp";
  const modelPath = options.modelPath ?? (fs.existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : undefined);
  const engine = await Engine.create({
    ...(modelPath !== undefined ? { modelPath } : { modelBytes: buildPilotNet() }),
    method,
    provider: options.provider ?? "cpu",
    log: () => undefined,
  });
  try {
    const { channels, height, width } = engine.inputShape;
    const random = mulberry32(7);
    const input = Float32Array.from({ length: batch * channels * height * width }, () => random() * 255);
    for (let i = 0; i < 20; i++) await engine.run(input, batch);
    const start = performance.now();
    const rssStart = process.memoryUsage().rss;
    const samples: number[] = [];
    const runs = Math.ceil(frames / batch);
    const sampleRuns = Math.max(1, Math.round(500 / batch));
    let rssMax = rssStart;
    for (let i = 1; i <= runs; i++) {
      await engine.run(input, batch);
      if (i % sampleRuns === 0 || i === runs) {
        const rss = process.memoryUsage().rss;
        rssMax = Math.max(rssMax, rss);
        samples.push(mib(rss));
      }
    }
    const rssEnd = process.memoryUsage().rss;
    return {
      method,
      frames: runs * batch,
      batch,
      rssStartMiB: mib(rssStart),
      rssEndMiB: mib(rssEnd),
      rssMaxMiB: mib(rssMax),
      growthMiB: mib(rssEnd - rssStart),
      driftMiB: Math.round((samples[samples.length - 1] - samples[0]) * 10) / 10,
      peakTrendMiB: peakTrend(samples),
      samples,
      sampleEvery: sampleRuns * batch,
      seconds: Math.round((performance.now() - start) / 100) / 10,
    };
  } finally {
    await engine.release();
  }
}

/** A method's forward pass ran this much slower than the fastest beside another method: disturbed. */
const DISTURBED_FORWARD = 1.25;

/**
 * Pairs whose forward pass ran well above the fastest forward pass of the same batch size. Every
 * pair times the same model on the same input, so their forward passes should agree; on this 2-core
 * VM some sessions run their whole life at one-thread speed (PilotNet at batch 1: 0.35 ms against
 * 0.21 ms), and a ratio against such a forward pass says nothing about the method.
 */
export function disturbedPairs(
  rows: readonly MethodsBenchRow[],
): { batch: number; method: SaliencyMethod; forwardMs: number; fastestMs: number }[] {
  const found = [];
  for (const row of rows) {
    const fastestMs = Math.min(...SALIENCY_METHODS.map((m) => row.methods[m].forwardMs));
    for (const method of SALIENCY_METHODS) {
      const { forwardMs } = row.methods[method];
      if (forwardMs > DISTURBED_FORWARD * fastestMs)
        found.push({ batch: row.batch, method, forwardMs, fastestMs });
    }
  }
  return found;
}

/** The side-by-side table, as `npm run bench` prints it. */
export function formatMethodsTable(result: MethodsBenchResult): string {
  const f = (n: number, width = 9) => n.toFixed(3).padStart(width);
  const pct = (r: number) => `${(r * 100).toFixed(1).padStart(7)} %`;
  const lines = [
    `Saliency methods (${result.model}, provider ${result.provider}, median of ${result.rows[0]?.runs ?? 0} runs each)`,
    `load average before ${result.loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${result.loadAfter.map((l) => l.toFixed(2)).join(" ")}`,
    "batch  forward ms   +VBP ms   +LRP ms  +grad ms   VBP adds   LRP adds  grad adds  LRP/VBP added",
  ];
  for (const r of result.rows) {
    const m = r.methods;
    lines.push(
      `${String(r.batch).padStart(5)}  ${f(r.forwardMs, 10)} ${f(m.vbp.totalMs)} ${f(m.lrp.totalMs)} ${f(m.gradient.totalMs)}  ` +
        `${pct(m.vbp.addedRatio)}  ${pct(m.lrp.addedRatio)}  ${pct(m.gradient.addedRatio)}  ${r.lrpOverVbp.toFixed(1).padStart(9)} x`,
    );
  }
  lines.push(
    "each method timed against the forward pass with only those two sessions open; its added time is against that forward",
  );
  for (const d of disturbedPairs(result.rows)) {
    lines.push(
      `disturbed: at batch ${d.batch} the forward pass beside ${d.method} took ${d.forwardMs.toFixed(3)} ms against ` +
        `${d.fastestMs.toFixed(3)} ms beside another method; the ratios with ${d.method} there are not comparable (docs/methods.md)`,
    );
  }
  lines.push("paper (Bojarski et al. 2018): VBP 2.0 ms, LRP 24.6 ms per mask, 12.3x");
  lines.push("targets on a 2-core CPU: LRP/VBP added >= 10x at batch 1; VBP adds <= 10 % at batch 32");
  return lines.join("\n");
}

export function formatMemory(result: MemoryBenchResult): string {
  return (
    `memory: ${result.frames} frames through '${result.method}' at batch ${result.batch} in ${result.seconds} s: ` +
    `RSS ${result.rssStartMiB} -> ${result.rssEndMiB} MiB (growth ${result.growthMiB} MiB, ` +
    `drift after the first ${result.sampleEvery} frames ${result.driftMiB} MiB, peak ${result.rssMaxMiB} MiB; ` +
    `peak of the second half minus peak of the first ${result.peakTrendMiB} MiB)`
  );
}

if (require.main === module) {
  const json = process.argv.includes("--json");
  const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 100);
  (async () => {
    const methods = await benchMethods({ runs });
    const memory = await benchMemory();
    if (json) process.stdout.write(`${JSON.stringify({ methods, memory })}\n`);
    else
      console.log(`machine: ${methods.machine}\n\n${formatMethodsTable(methods)}\n\n${formatMemory(memory)}`);
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
