import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_MODEL } from "../src/cli/package-paths";
import { addSaliency } from "../src/engine/method-graph";
import { parseOnnxModel } from "../src/onnx/onnx-model";
import { buildPilotNet, mulberry32 } from "../src/onnx/cnn-builder";
import { median } from "./machine";

/** What a node of the rewritten graph does for VisualBackProp, by its name and operator. */
export type VbpPart = "layout" | "means" | "deconvolutions" | "products" | "normalisation";

/** ONNX Runtime's kernel time of the forward pass alone and of VisualBackProp's parts, medians in us. */
export interface ProfileResult {
  readonly batch: number;
  readonly runs: number;
  /** Sum of the per-node medians of the unmodified model. */
  readonly forwardUs: number;
  /** The same parts of the rewritten graph, per part. */
  readonly parts: Readonly<Record<VbpPart, number>>;
  /** All of VisualBackProp's parts. */
  readonly vbpUs: number;
  /** The ten most expensive nodes VisualBackProp adds, name and median us. */
  readonly top: readonly (readonly [string, number])[];
}

interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  readonly dur: number;
  readonly args?: { readonly op_name?: string };
}

/**
 * Which part a node belongs to, or undefined for the model's own nodes. ReorderOutput nodes are
 * ONNX Runtime converting a feature map out of its NCHWc layout for a consumer outside it; the
 * unmodified model has one before its Flatten, which `forwardUs` carries.
 */
export function vbpPart(node: string, op: string): VbpPart | undefined {
  if (op === "ReorderOutput") return "layout";
  if (!node.startsWith("visualbackprop/")) return undefined;
  if (/\/avg\d/.test(node)) return "means";
  if (/\/up\d/.test(node)) return "deconvolutions";
  if (/\/product\d/.test(node)) return "products";
  if (/\/mask/.test(node)) return "normalisation";
  return undefined;
}

/** Per-node medians of kernel time over the runs of one session's profile file, us. */
function nodeMedians(file: string): Map<string, { op: string; us: number }> {
  const events = JSON.parse(fs.readFileSync(file, "utf8")) as ProfileEvent[];
  const samples = new Map<string, { op: string; us: number[] }>();
  for (const event of events) {
    if (event.cat !== "Node" || !event.name.endsWith("_kernel_time")) continue;
    const node = event.name.slice(0, -"_kernel_time".length);
    const entry = samples.get(node) ?? { op: event.args?.op_name ?? "", us: [] };
    entry.us.push(event.dur);
    samples.set(node, entry);
  }
  return new Map([...samples].map(([node, { op, us }]) => [node, { op, us: median(us) }]));
}

async function profiled(
  bytes: Uint8Array,
  feed: { readonly name: string; readonly data: Float32Array; readonly dims: readonly number[] },
  runs: number,
  dir: string,
  prefix: string,
): Promise<Map<string, { op: string; us: number }>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- native code, loaded on use
  const ort = require("onnxruntime-node") as typeof import("onnxruntime-node");
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    enableProfiling: true,
    profileFilePrefix: path.join(dir, prefix),
  });
  try {
    const feeds = { [feed.name]: new ort.Tensor("float32", feed.data, feed.dims) };
    for (let i = 0; i < runs; i++) await session.run(feeds);
    session.endProfiling();
  } finally {
    await session.release();
  }
  const file = fs.readdirSync(dir).find((name) => name.startsWith(`${prefix}_`) && name.endsWith(".json"));
  if (file === undefined) throw new Error(`profile: ONNX Runtime wrote no profile under ${dir}`);
  return nodeMedians(path.join(dir, file));
}

/**
 * ONNX Runtime's own per-node profile of the forward pass and of forward + VisualBackProp (CPU,
 * level "all"): where VisualBackProp's time goes, kernel time only (the wall-clock bench adds the
 * executor's per-node overhead and the hand-over of the outputs).
 */
export async function profileVbp(options: {
  batch: number;
  runs: number;
  modelPath?: string;
}): Promise<ProfileResult> {
  const modelPath = options.modelPath ?? (fs.existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : undefined);
  const modelBytes = modelPath !== undefined ? fs.readFileSync(modelPath) : buildPilotNet();
  const model = parseOnnxModel(modelBytes, "profiled model");
  const { input, graph } = addSaliency(model, { method: "vbp" });
  const { name, channels, height, width } = input;
  const random = mulberry32(11);
  const data = Float32Array.from({ length: options.batch * channels * height * width }, () => random() * 255);
  const feed = { name, data, dims: [options.batch, channels, height, width] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-profile-"));
  try {
    const forward = await profiled(modelBytes, feed, options.runs, dir, "forward");
    const combined = await profiled(graph.bytes, feed, options.runs, dir, "vbp");
    const parts: Record<VbpPart, number> = {
      layout: 0,
      means: 0,
      deconvolutions: 0,
      products: 0,
      normalisation: 0,
    };
    const added: [string, number][] = [];
    const forwardLayout = [...forward.values()]
      .filter((n) => n.op === "ReorderOutput")
      .reduce((s, n) => s + n.us, 0);
    for (const [node, { op, us }] of combined) {
      const part = vbpPart(node, op);
      if (part === undefined) continue;
      parts[part] += us;
      added.push([node, us]);
    }
    // The model's own conversion before its Flatten is in both graphs.
    parts.layout = Math.max(0, parts.layout - forwardLayout);
    const forwardUs = [...forward.values()].reduce((s, n) => s + n.us, 0);
    const vbpUs = Object.values(parts).reduce((s, v) => s + v, 0);
    return {
      batch: options.batch,
      runs: options.runs,
      forwardUs,
      parts,
      vbpUs,
      top: added.sort((a, b) => b[1] - a[1]).slice(0, 10),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatProfile(result: ProfileResult): string {
  const pct = (us: number) => `${((us / result.forwardUs) * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `VisualBackProp's kernel time by part (ONNX Runtime profile, batch ${result.batch}, median over ${result.runs} runs), us and share of the forward pass's ${result.forwardUs.toFixed(0)} us`,
  ];
  for (const [part, us] of Object.entries(result.parts))
    lines.push(`  ${part.padEnd(15)} ${us.toFixed(0).padStart(6)}  ${pct(us)}`);
  lines.push(`  ${"all".padEnd(15)} ${result.vbpUs.toFixed(0).padStart(6)}  ${pct(result.vbpUs)}`);
  if (result.batch === 1)
    lines.push("  (at batch 1 the profiler's own cost per node is much of this; trust the wall-clock table)");
  lines.push(
    `  most expensive: ${result.top.map(([n, us]) => `${n.replace("visualbackprop/", "")} ${us}`).join(", ")}`,
  );
  return lines.join("\n");
}
