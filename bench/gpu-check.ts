import { spawnSync } from "node:child_process";
import { Engine } from "../src/engine/engine";
import { missingProviderLibrary } from "../src/engine/providers";
import { ProviderName, SALIENCY_METHODS, SaliencyMethod } from "../src/engine/types";
import { buildPilotNet, mulberry32 } from "../src/onnx/cnn-builder";
import { machineLine } from "./machine";
import { benchMethods, formatMethodsTable, MethodsBenchResult } from "./methods-bench";

/** What one GPU provider did: whether it came up, and how far its maps are from the CPU's. */
interface ProviderReport {
  readonly asked: ProviderName;
  /** The provider the session really runs on (`cpu` when the GPU one failed to load). */
  readonly used: ProviderName | "none";
  /** The engine's fallback log lines: why a provider was not used. */
  readonly log: readonly string[];
  /** Per method: max |GPU - CPU| over masks and over the model outputs. */
  readonly agreement: Partial<
    Record<SaliencyMethod, { readonly maskMaxAbsDiff: number; readonly outputMaxAbsDiff: number }>
  >;
  readonly bench?: MethodsBenchResult;
  readonly error?: string;
}

const BATCH = 4;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

async function masksOn(
  provider: ProviderName,
  method: SaliencyMethod,
  input: Float32Array,
  log: (line: string) => void,
) {
  // verbose: ONNX Runtime's warnings (nodes placed off the GPU) reach stderr, which the script reads.
  const engine = await Engine.create({ modelBytes: buildPilotNet(), method, provider, log, verbose: log });
  try {
    const result = await engine.run(input, BATCH);
    return { used: engine.provider, masks: result.masks, output: result.outputs[engine.outputNames[0]].data };
  } finally {
    await engine.release();
  }
}

async function checkProvider(
  provider: ProviderName,
  input: Float32Array,
  runs: number,
): Promise<ProviderReport> {
  const log: string[] = [];
  const agreement: ProviderReport["agreement"] = {};
  let used: ProviderName | "none" = "none";
  try {
    for (const method of SALIENCY_METHODS) {
      const gpu = await masksOn(provider, method, input, (line) => log.push(line));
      used = gpu.used;
      if (used !== provider) return { asked: provider, used, log, agreement };
      const cpu = await masksOn("cpu", method, input, () => undefined);
      agreement[method] = {
        maskMaxAbsDiff: maxAbsDiff(gpu.masks, cpu.masks),
        outputMaxAbsDiff: maxAbsDiff(gpu.output, cpu.output),
      };
    }
    const bench = await benchMethods({ provider, runs, batches: [1, 8, 32] });
    return { asked: provider, used, log, agreement, bench };
  } catch (error) {
    return { asked: provider, used, log, agreement, error: (error as Error).message.split("\n")[0] };
  }
}

function nvidiaSmi(): string {
  const run = spawnSync(
    "nvidia-smi",
    ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
    { encoding: "utf8" },
  );
  return run.status === 0 ? run.stdout.trim() : "nvidia-smi not found or failed: no NVIDIA driver visible";
}

/**
 * On a GPU machine: which provider each request really gets, the maps' agreement with the CPU's,
 * and the methods bench on the GPU beside the CPU's. Exit code 0 when at least one GPU provider ran.
 */
async function main(): Promise<void> {
  const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 30);
  const providers = (
    process.argv.find((a) => a.startsWith("--providers="))?.slice(12) ?? "cuda,webgpu"
  ).split(",") as ProviderName[];
  console.log(`machine: ${machineLine()}`);
  console.log(`gpu: ${nvidiaSmi()}`);
  const missing = missingProviderLibrary("cuda");
  console.log(
    missing === undefined
      ? "cuda provider library: present in node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
      : `cuda provider library: ${missing} is MISSING; install it with ` +
          "ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js (see docs/gpu.md)",
  );
  const random = mulberry32(3);
  const input = Float32Array.from({ length: BATCH * 3 * 66 * 200 }, () => random() * 255);
  const reports: ProviderReport[] = [];
  for (const provider of providers) {
    const report = await checkProvider(provider, input, runs);
    reports.push(report);
    console.log(
      `\n== provider '${provider}': used '${report.used}'${report.error ? `, error: ${report.error}` : ""}`,
    );
    for (const line of report.log) console.log(`   log: ${line}`);
    for (const [method, a] of Object.entries(report.agreement)) {
      console.log(
        `   ${method.padEnd(8)} max |mask gpu - cpu| = ${a.maskMaxAbsDiff.toExponential(2)}, max |output gpu - cpu| = ${a.outputMaxAbsDiff.toExponential(2)}`,
      );
    }
    if (report.bench) console.log(`\n${formatMethodsTable(report.bench)}`);
  }
  const cpu = await benchMethods({ provider: "cpu", runs: Math.min(runs, 20), batches: [1, 8, 32] });
  console.log(`\n== CPU baseline on this machine\n${formatMethodsTable(cpu)}`);
  console.log(`\nJSON ${JSON.stringify({ reports, cpu })}`);
  if (!reports.some((r) => r.used === r.asked && r.error === undefined)) {
    console.log("\nRESULT: no GPU provider ran; see the log lines above for what is missing");
    process.exitCode = 3;
  } else {
    console.log(
      "\nRESULT: GPU provider ran; compare the agreement figures above (masks within 1e-3 expected)",
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
