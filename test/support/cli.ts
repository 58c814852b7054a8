import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO_ROOT } from "./paths";

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
