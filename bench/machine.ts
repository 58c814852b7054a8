import * as os from "node:os";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { version as ortVersion } from "onnxruntime-node/package.json";

/** One line naming the machine, printed with every figure so numbers are never read without it. */
export function machineLine(): string {
  const cpus = os.cpus();
  return (
    `${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} logical cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.version}, onnxruntime-node ${ortVersion}`
  );
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface BlockTimingOptions {
  /** Timed runs per session in all. */
  readonly runs: number;
  /** Timed runs in a row before switching to the next session (default 10). */
  readonly block?: number;
  /** Untimed runs at the start of each block (default 3). */
  readonly settle?: number;
}

/**
 * Times several sessions against each other, `block` runs of one before the next, in an order that
 * rotates from round to round; the first `settle` runs of each block are not timed, and the heap is
 * collected before each block. Alternating run by run measured each session under the last one's
 * interference (ONNX Runtime's worker threads spin on after a run; the caches hold the other
 * model's weights), and without the collection the garbage of one session's large outputs (masks
 * of 0.8 MB at batch 16) was collected during the next one's runs. Either slowed the forward pass
 * most: PilotNet at batch 16 took 3.1 ms on its own, 4.3-5.3 ms timed between mask runs. A node
 * runs one session, so the figures should be what that one session costs.
 */
export async function timeInBlocks<K extends string>(
  sessions: readonly K[],
  runOnce: (session: K) => Promise<number>,
  options: BlockTimingOptions,
): Promise<Map<K, number[]>> {
  const collect = garbageCollector();
  const block = Math.max(1, options.block ?? 10);
  const settle = Math.max(0, options.settle ?? 3);
  const rounds = Math.max(1, Math.ceil(options.runs / block));
  const times = new Map<K, number[]>(sessions.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < sessions.length; k++) {
      const session = sessions[(round + k) % sessions.length];
      collect();
      for (let i = 0; i < settle + block; i++) {
        const ms = await runOnce(session);
        if (i >= settle) times.get(session)?.push(ms);
      }
    }
  }
  return times;
}

/** The V8 garbage collector, exposed at run time (no `--expose-gc` needed), or a no-op if refused. */
function garbageCollector(): () => void {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as unknown;
    if (typeof gc === "function") return () => (gc as () => void)();
  } catch {
    // Fall through: timing still works, with more noise.
  }
  return () => undefined;
}
