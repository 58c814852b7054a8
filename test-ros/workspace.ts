/**
 * The colcon workspace the real-graph tests and the graph benchmark run the installed package
 * from: `src/visualbackprop` links to this checkout, `colcon build` runs outside any network
 * namespace (npm ci inside the build needs the registry) and is incremental when kept.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, type RosEnvironment } from "./ros-env";

/** Builds the package in `workspace`; returns undefined, or the tail of the log when it fails. */
export function colconBuild(ros: RosEnvironment, workspace: string): string | undefined {
  fs.mkdirSync(path.join(workspace, "src"), { recursive: true });
  const link = path.join(workspace, "src", "visualbackprop");
  if (!fs.existsSync(link)) fs.symlinkSync(REPO_ROOT, link);
  const logFile = path.join(workspace, "colcon-build.log");
  const build = spawnSync(
    "bash",
    [
      "-c",
      `${ros.setup} && cd "$0" && colcon build --packages-select visualbackprop --event-handlers console_direct+ > "$1" 2>&1`,
      workspace,
      logFile,
    ],
    { stdio: "inherit" },
  );
  if (build.status === 0) return undefined;
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
  return `${log.split("\n").slice(-60).join("\n")}\ncolcon build failed (exit ${build.status}); full log: ${logFile}`;
}

/**
 * Runs `script` (bash) inside the loopback-only network namespace with the workspace's
 * install/setup.bash sourced and VBP_ROS_WS set; `$1`... are `args`. Stops the ros2 daemon after.
 */
export function inRosNamespace(
  ros: RosEnvironment,
  workspace: string,
  script: string,
  args: readonly string[],
  options: { stdio?: "inherit" | "pipe" } = {},
): { status: number | null; stdout: string } {
  const wrapped =
    `set +u; source "$VBP_ROS_WS/install/setup.bash" || exit 1; ` +
    `( ${script} ); rc=$?; ros2 daemon stop >/dev/null 2>&1; exit $rc`;
  const [command, ...prefix] = ros.namespacePrefix;
  const result = spawnSync(command, [...prefix, "bash", "-c", wrapped, "bash", ...args], {
    stdio: options.stdio === "pipe" ? ["ignore", "pipe", "inherit"] : "inherit",
    cwd: REPO_ROOT,
    env: { ...process.env, VBP_ROS_WS: workspace },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout?.toString("utf8") ?? "" };
}
