import { parseArgs } from "node:util";
import { ProviderChoice } from "../src/engine/types";
import { defaultWriterThread } from "../src/offline/frame-pool";
import { benchBag, formatBagStages } from "./bag-bench";
import { benchCompare, formatCompare } from "./compare-bench";
import { allocatorLine } from "./allocator";
import { machineLine } from "./machine";
import { benchMemory, benchMethods, disturbedPairs, formatMemory, formatMethodsTable } from "./methods-bench";
import { benchGraph, formatGraph } from "./graph-bench";
import { benchLevels, formatLevels } from "./levels-bench";
import { benchNode, formatNodeStages } from "./node-bench";
import { benchImageWork, formatImageWork } from "./image-bench";
import { formatProfile, profileVbp } from "./profile-bench";

const SECTIONS = [
  "methods",
  "levels",
  "profile",
  "memory",
  "image",
  "node",
  "bag",
  "compare",
  "graph",
] as const;
type Section = (typeof SECTIONS)[number];

/** `npm run bench`: measured figures, each with the machine it ran on. `--json` for tracking. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      runs: { type: "string", default: "200" },
      provider: { type: "string", default: "cpu" },
      threads: { type: "string", default: "0" },
      only: { type: "string", default: SECTIONS.join(",") },
      seconds: { type: "string", default: "10" },
    },
  });
  const only = new Set(String(values.only).split(",") as Section[]);
  const runs = Number(values.runs);
  const machine = machineLine();
  const allocator = allocatorLine();
  const results: Record<string, unknown> = { machine, allocator };
  const say = (line: string) => {
    if (!values.json) console.log(line);
  };
  say(`machine: ${machine}`);
  say(allocator);
  const f = (n: number, width = 9) => n.toFixed(3).padStart(width);

  if (only.has("methods")) {
    // One table for both the engine's targets (batch 1 and 16) and the paper's comparison (1, 8, 32).
    const methods = await benchMethods({
      batches: [1, 8, 16, 32],
      runs,
      provider: values.provider as ProviderChoice,
      intraOpThreads: Number(values.threads),
    });
    // Tracking tools get the flagged pairs too, not only the table's reader.
    results.methods = { ...methods, disturbed: disturbedPairs(methods.rows) };
    say(`\n${formatMethodsTable(methods)}`);
    say("targets on a 2-core CPU: VBP adds at most 40 % at batch 1 and 15 % at batch 16");
  }

  if (only.has("levels")) {
    const levels = await benchLevels({ batches: [1, 16, 32], runs: Math.max(50, Math.round(runs / 2)) });
    results.levels = levels;
    say(`\n${formatLevels(levels)}`);
  }

  if (only.has("profile")) {
    const profiles = [];
    for (const batch of [1, 16, 32])
      profiles.push(await profileVbp({ batch, runs: Math.max(50, Math.round(runs / 2)) }));
    results.profile = profiles;
    for (const profile of profiles) say(`\n${formatProfile(profile)}`);
  }

  if (only.has("memory")) {
    const memory = await benchMemory({ provider: values.provider as ProviderChoice });
    results.memory = memory;
    say(`\n${formatMemory(memory)}`);
  }

  if (only.has("image")) {
    const image = await benchImageWork();
    results.image = image;
    say(`\n${formatImageWork(image)}`);
  }

  if (only.has("node")) {
    const seconds = Number(values.seconds);
    const node = await benchNode({ seconds, probeSeconds: Math.max(3, seconds / 2) });
    results.node = node;
    say(
      `\nNode per-frame path, 640x480 rgb8, every output subscribed (${node.model}, provider ${node.provider})`,
    );
    say("spin  cameras  rate Hz  frames in  frames out  dropped   p50 ms   p99 ms  full GCs  GC pause ms");
    for (const r of node.rows) {
      say(
        `${(r.spinWait ? "yes" : "no").padStart(4)}  ${String(r.cameras).padStart(7)}  ${String(r.rateHz).padStart(7)}  ${String(r.framesIn).padStart(9)}  ${String(r.framesOut).padStart(10)}  ${String(r.dropped).padStart(7)}  ${f(r.p50Ms, 7)}  ${f(r.p99Ms, 7)}  ${String(r.gcMajor).padStart(8)}  ${f(r.gcPauseMs, 11)}`,
      );
    }
    for (const [cameras, rate] of Object.entries(node.maxRateHz)) {
      say(
        `highest rate without drops, ${cameras} camera(s): ${rate > 0 ? `${rate} Hz per camera` : "below 30 Hz"} (tried 30, 45, 60, 90, 120)`,
      );
    }
    say("spin: ONNX Runtime's threads spin while waiting (its default; yes) or not (the node's; no)");
    say("full GCs: V8 mark-compact collections during the row; GC pause: all collections, summed");
    say("target on a 2-core CPU: 3 cameras at 30 Hz, at most 1 % dropped, p99 under 33 ms");
    say(`\nNode stages, ms per frame processed (the rows above)\n${formatNodeStages(node.rows)}`);
  }

  if (only.has("bag")) {
    // With every output, as the CLI writes by default, and without compression, to show its share.
    const bags = await benchBag({ compressions: ["zstd", "lz4", "none"] });
    results.bag = bags;
    const bag = bags[0];
    say(
      `\nOffline: visualbackprop bag on a ${bag.frames}-frame 640x480 rgb8 30 Hz synthetic drive, every output; ` +
        `${bag.repeats} runs per compression, alternated; each line is the run of median speed; ` +
        `${bag.workers} frame worker${bag.workers === 1 ? "" : "s"} (the default here)` +
        (defaultWriterThread() ? " and the writer thread" : ", writing in the main thread"),
    );
    for (const run of bags)
      say(
        `output ${run.compression}: ${run.fps.toFixed(1)} frames/s in ${run.seconds.toFixed(2)} s: ${run.realTimeMultiple.toFixed(2)}x real time over the whole run ` +
          `(runs ${run.realTimeRange[0].toFixed(2)}-${run.realTimeRange[1].toFixed(2)}x); ` +
          `${run.steadyRealTimeMultiple.toFixed(2)}x in steady state (from the 2nd engine batch to the last); ` +
          `first batch ${run.firstBatchMs.toFixed(0)} ms, closing ${run.closeMs.toFixed(0)} ms; set-up before the clock ${run.setupMs.toFixed(0)} ms`,
      );
    say(formatBagStages(bags));
    say("target on a 2-core CPU: 8x real time with every output");
  }

  if (only.has("compare")) {
    const compare = await benchCompare();
    results.compare = compare;
    say(
      `\nOffline comparison: visualbackprop bag --compare against bag on the same ${compare.frames}-frame 640x480 drive, every output, runs alternated`,
    );
    say(formatCompare(compare));
  }

  if (only.has("graph")) {
    const graph = benchGraph({ seconds: Number(values.seconds) });
    results.graph = graph;
    if ("skipped" in graph) say(`\nReal ROS 2 graph: skipped (${graph.skipped})`);
    else {
      say(
        "\nReal ROS 2 graph (colcon install, rmw_cyclonedds, loopback): 640x480 rgb8, latency from the camera stamp, ms",
      );
      say(formatGraph(graph));
    }
  }

  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
