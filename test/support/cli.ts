import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO_ROOT, fixturePath } from "./paths";

const BIN = path.join(REPO_ROOT, "bin", "visualbackprop");

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bin/visualbackprop` as a user would, in a child process, and collects what it said. */
export function runCli(args: readonly string[]): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A file of the golden PilotNet set in test/fixtures/golden/vbp (`onnx`, `input.npy`, `mask.npy`, ...). */
export function goldenPilotNet(suffix: string): string {
  return fixturePath("golden", "vbp", `pilotnet.${suffix}`);
}

/** `visualbackprop mask` with the golden PilotNet on the CPU into `out`; `options` go before the inputs. */
export function runGoldenMask(
  out: string,
  inputs: readonly string[],
  options: readonly string[] = [],
): CliRun {
  return runCli([
    "mask",
    "--model",
    goldenPilotNet("onnx"),
    "--provider",
    "cpu",
    ...options,
    "--out",
    out,
    ...inputs,
  ]);
}

/** The JSON objects a command printed, one per stdout line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
