/**
 * `visualbackprop_rviz` (lib/visualbackprop): RViz 2 for the cameras a node serves. The launch
 * files start this instead of rviz2 itself: it writes an RViz configuration for the node's
 * actual cameras to a temporary file (from the node's parameter file, its camera arguments and
 * the namespace it runs in), runs rviz2 with it, and removes the file when RViz exits.
 *
 *   visualbackprop_rviz [--params-file F] [--topics T,...] [--names N,...] [--remap FROM:=TO]...
 *                       [--namespace NS] [--node-name N] [--config F | --out F] [--ros-args ...]
 *
 * Everything from `--ros-args` on goes to rviz2 unchanged; `-r __ns:=NS` there is the namespace
 * unless `--namespace` says otherwise. `--out F` writes the configuration (`-` for stdout) and
 * starts nothing; `--config F` runs rviz2 with F as it is.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { NODE_NAME } from "../frame/node-name";
import { DEFAULT_VIEW_PARAMETERS, readViewParameters } from "./node-params";
import { rvizConfigText } from "./rviz-config";
import { cameraViews } from "./view-topics";

const PROGRAM = "visualbackprop_rviz";

/** Splits the wrapper's own arguments from the ROS arguments it passes on to rviz2. */
export function splitRosArgs(argv: readonly string[]): { own: string[]; ros: string[] } {
  const at = argv.indexOf("--ros-args");
  return at < 0 ? { own: [...argv], ros: [] } : { own: argv.slice(0, at), ros: argv.slice(at) };
}

/** The namespace a `-r __ns:=NS` among ROS arguments gives the process, if any. */
export function namespaceFromRosArgs(ros: readonly string[]): string | undefined {
  let namespace: string | undefined;
  for (let i = 0; i + 1 < ros.length; i++) {
    if ((ros[i] === "-r" || ros[i] === "--remap") && ros[i + 1].startsWith("__ns:="))
      namespace = ros[i + 1].slice("__ns:=".length);
  }
  return namespace;
}

function list(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function remapRule(rule: string): [string, string] {
  const at = rule.indexOf(":=");
  if (at <= 0 || at + 2 >= rule.length) throw new Error(`--remap: expected FROM:=TO, got '${rule}'`);
  return [rule.slice(0, at), rule.slice(at + 2)];
}

const OPTIONS = {
  "params-file": { type: "string" },
  topics: { type: "string" },
  names: { type: "string" },
  remap: { type: "string", multiple: true },
  namespace: { type: "string" },
  "node-name": { type: "string" },
  config: { type: "string" },
  out: { type: "string" },
} as const;

type RvizArgs = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

function parseRvizArgs(own: readonly string[]): RvizArgs {
  return parseArgs({ args: [...own], options: OPTIONS }).values;
}

/** The configuration text for the wrapper's own arguments (those before `--ros-args`). */
export function configFromArgs(own: readonly string[], rosNamespace?: string): string {
  return configText(parseRvizArgs(own), rosNamespace);
}

function configText(values: RvizArgs, rosNamespace: string | undefined): string {
  const namespace = values.namespace ?? rosNamespace ?? "";
  const nodeName = values["node-name"] ?? NODE_NAME;
  const file = values["params-file"];
  const params =
    file !== undefined && file !== ""
      ? readViewParameters(file, namespace, nodeName)
      : DEFAULT_VIEW_PARAMETERS;
  const topics = list(values.topics);
  const names = list(values.names);
  const views = cameraViews({
    topics: topics !== undefined && topics.length > 0 ? topics : params.imageTopics,
    names: names !== undefined && names.length > 0 ? names : params.cameraNames,
    namespace,
    nodeName,
    remaps: (values.remap ?? []).map(remapRule),
  });
  return rvizConfigText(views, { input: params.input, output: params.output });
}

/** rviz2 as ROS 2 installs it: `<prefix>/lib/rviz2/rviz2` under a prefix of AMENT_PREFIX_PATH. */
export function findRviz2(ament: string | undefined): string | undefined {
  for (const prefix of (ament ?? "").split(path.delimiter)) {
    if (prefix === "") continue;
    const candidate = path.join(prefix, "lib", "rviz2", "rviz2");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this prefix
    }
  }
  return undefined;
}

/** Runs rviz2 with `config`; resolves with its exit code, forwarding SIGINT and SIGTERM to it. */
function runRviz(rviz2: string, config: string, ros: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(rviz2, ["-d", config, ...ros], { stdio: "inherit" });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1));
    });
  });
}

/** The executable's body; returns the exit code. */
export async function rvizMain(argv: readonly string[]): Promise<number> {
  const { own, ros } = splitRosArgs(argv);
  const values = parseRvizArgs(own);
  const fixed = values.config !== undefined && values.config !== "" ? values.config : undefined;
  if (values.out !== undefined) {
    if (fixed !== undefined) throw new Error("--out and --config exclude each other");
    const text = configText(values, namespaceFromRosArgs(ros));
    if (values.out === "-") process.stdout.write(text);
    else fs.writeFileSync(values.out, text);
    return 0;
  }
  // Checked before RViz is looked for, so a wrong camera setting is reported as such.
  const text = fixed === undefined ? configText(values, namespaceFromRosArgs(ros)) : undefined;
  const rviz2 = findRviz2(process.env.AMENT_PREFIX_PATH);
  if (rviz2 === undefined) {
    throw new Error(
      "RViz 2 is not installed (no lib/rviz2/rviz2 under AMENT_PREFIX_PATH): install ros-$ROS_DISTRO-rviz2, or launch with rviz:=false",
    );
  }
  if (text === undefined) return runRviz(rviz2, fixed as string, ros);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "visualbackprop-rviz-"));
  try {
    const file = path.join(dir, "visualbackprop.rviz");
    fs.writeFileSync(file, text);
    return await runRviz(rviz2, file, ros);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Entry point of bin/visualbackprop_rviz: one line on stderr and exit code 1 on any error. */
export function main(): void {
  rvizMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${PROGRAM}: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
