import * as os from "node:os";
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

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
