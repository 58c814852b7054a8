import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { constants as perfConstants, performance, PerformanceObserver } from "node:perf_hooks";
import { DEFAULT_MODEL } from "../src/cli/package-paths";
import { buildPilotNet } from "../src/onnx/cnn-builder";
import { IMAGE_OPS } from "../src/frame/image-ops";
import type { ImageOps } from "../src/frame/model-port";
import type { SaliencyMsg } from "../src/frame/message-types";
import { loadModel } from "../src/frame/model-loader";
import { VisualBackPropNode } from "../src/ros/node";
// The test suite's stand-in for rclnodejs: the node runs unchanged, only the transport is missing.
import { createFakeRcl, FakePublisher } from "../test/ros/fake-rclnodejs";
import { overrides } from "../test/ros/harness";
import { percentile } from "../src/ros/diagnostics";

export interface NodeBenchRow {
  /** Whether ONNX Runtime's threads spin while waiting (its default) or not (the node's setting). */
  readonly spinWait: boolean;
  readonly cameras: number;
  readonly rateHz: number;
  readonly seconds: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly dropped: number;
  /** Receive to published steering, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** V8's full (mark-compact) collections during the row, and all collections' pauses, ms. */
  readonly gcMajor: number;
  readonly gcPauseMs: number;
  /** Mean ms per frame processed, by stage of the node's frame path. */
  readonly stages: NodeStages;
}

/**
 * Where a processed frame's time went, ms per frame: conversion of the camera message, preprocessing,
 * the engine (its batch's run over the frames in it), mask map-back and overlay (only the images).
 * The fake transport does not serialise, so rclnodejs's publish cost is not in these.
 */
export interface NodeStages {
  readonly decode: number;
  readonly preprocess: number;
  readonly engine: number;
  readonly maskMapBack: number;
  readonly overlay: number;
}

export interface NodeBenchResult {
  readonly model: string;
  readonly provider: string;
  readonly rows: NodeBenchRow[];
  /** Highest per-camera rate tried that ran without a dropped frame, per camera count. */
  readonly maxRateHz: Record<number, number>;
}

/** A 640x480 rgb8 frame with some structure, so conversion and overlay do real work. */
function cameraFrame(width: number, height: number, phase: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x + phase) & 255;
      data[i + 1] = y & 255;
      data[i + 2] = y > height / 2 ? 90 : 200;
    }
  }
  return data;
}

/**
 * Runs the node's whole per-frame path (convert, preprocess, infer, VisualBackProp, map back,
 * overlay, build messages) with every output subscribed, cameras delivering 640x480 rgb8 at a
 * fixed rate on the node's own event loop, as rclnodejs's executor does.
 */
export async function runOnce(
  modelPath: string,
  cameras: number,
  rateHz: number,
  seconds: number,
  spinWait = false,
): Promise<NodeBenchRow & { provider: string }> {
  const topics = Array.from({ length: cameras }, (_, i) => `/cameras/cam${i}/image_raw`);
  const rcl = createFakeRcl({
    overrides: overrides({ image_topics: topics, model: modelPath, provider: "cpu" }),
  });
  const node = new rcl.Node("visualbackprop");
  const fake = rcl.nodes[0];
  fake.defaultSubscriberCount = 1;
  // The real image helpers, timed.
  const spent = { preprocess: 0, mapBack: 0, overlay: 0 };
  const timed = <A extends unknown[], R>(key: keyof typeof spent, work: (...args: A) => R) => {
    return (...args: A): R => {
      const started = performance.now();
      try {
        return work(...args);
      } finally {
        spent[key] += performance.now() - started;
      }
    };
  };
  const imageOps: ImageOps = {
    ...IMAGE_OPS,
    preprocess: timed("preprocess", IMAGE_OPS.preprocess),
    mapMaskToMono8: timed("mapBack", IMAGE_OPS.mapMaskToMono8),
    renderOverlay: timed("overlay", IMAGE_OPS.renderOverlay),
  };
  const vbp = await VisualBackPropNode.start(node, {
    rcl,
    // The node asks for no spinning; ONNX Runtime's default is the comparison.
    loadModel: (request) => loadModel(spinWait ? { ...request, spinWait: undefined } : request),
    imageOps,
    defaultModelPath: modelPath,
  });
  const latencies: number[] = [];
  let dropped = 0;
  let preprocessMs = 0;
  let inferenceMs = 0;
  for (const publisher of fake.publishers as FakePublisher[]) {
    // Keep nothing: 640x480 overlays at 90 Hz would fill memory. Saliency carries the latency.
    publisher.publish = (message: object) => {
      if (publisher.typeClass === "visualbackprop/msg/Saliency") {
        const saliency = message as SaliencyMsg;
        latencies.push(saliency.total_ms);
        dropped += saliency.frames_dropped;
        preprocessMs += saliency.preprocess_ms;
        inferenceMs += saliency.inference_ms;
      }
    };
  }
  const frames = [0, 1, 2, 3].map((phase) => cameraFrame(640, 480, phase * 16));
  let gcMajor = 0;
  let gcPauseMs = 0;
  const gcWatch = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauseMs += entry.duration;
      const { detail } = entry as { detail?: { kind?: number } };
      if (detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcMajor += 1;
    }
  });
  gcWatch.observe({ entryTypes: ["gc"] });
  // The cameras publish on wall-clock time. Like a depth-1 DDS reader, each camera hands the node
  // only its newest frame when the event loop gets to it; frames replaced before that are lost in
  // transport and counted as dropped, so a busy node cannot slow its cameras down.
  const start = performance.now();
  const period = 1000 / rateHz;
  const sent = topics.map(() => 0);
  let framesIn = 0;
  let lostInTransport = 0;
  const timers = topics.map((topic, c) =>
    setInterval(() => {
      const due = Math.floor((performance.now() - start) / period) + 1;
      if (due <= sent[c]) return;
      lostInTransport += due - sent[c] - 1;
      framesIn += due - sent[c];
      sent[c] = due;
      const now = Date.now();
      fake.subscription(topic).deliver({
        header: { stamp: { sec: Math.floor(now / 1000), nanosec: (now % 1000) * 1e6 }, frame_id: `cam${c}` },
        height: 480,
        width: 640,
        encoding: "rgb8",
        is_bigendian: 0,
        step: 640 * 3,
        // A fresh buffer per message, as rclnodejs hands the subscriber a new one every time.
        data: frames[due % frames.length].slice(),
      });
    }, period / 4),
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  timers.forEach(clearInterval);
  const elapsed = (performance.now() - start) / 1000;
  await vbp.shutdown();
  gcWatch.disconnect();
  const provider = vbp.model.engine.provider;
  const framesOut = latencies.length;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    provider,
    spinWait,
    cameras,
    rateHz,
    seconds: elapsed,
    framesIn,
    framesOut,
    // The node counts the frames it replaced; transport losses come on top.
    dropped: dropped + lostInTransport,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    gcMajor,
    gcPauseMs,
    stages: {
      // Saliency.preprocess_ms is conversion plus preprocessing.
      decode: (preprocessMs - spent.preprocess) / Math.max(1, framesOut),
      preprocess: spent.preprocess / Math.max(1, framesOut),
      engine: inferenceMs / Math.max(1, framesOut),
      maskMapBack: spent.mapBack / Math.max(1, framesOut),
      overlay: spent.overlay / Math.max(1, framesOut),
    },
  };
}

/** The node's stage table, ms per frame, with the ratio of image work to the engine. */
export function formatNodeStages(rows: readonly NodeBenchRow[]): string {
  const f = (n: number) => n.toFixed(2).padStart(7);
  const lines = ["spin  cameras  rate Hz   decode  preproc   engine  map-back  overlay  image/engine"];
  for (const r of rows) {
    const s = r.stages;
    const image = s.decode + s.preprocess + s.maskMapBack + s.overlay;
    lines.push(
      `${(r.spinWait ? "yes" : "no").padStart(4)}  ${String(r.cameras).padStart(7)}  ${String(r.rateHz).padStart(7)}  ${f(s.decode)}  ${f(s.preprocess)}  ${f(s.engine)}  ${f(s.maskMapBack)}   ${f(s.overlay)}  ${(image / s.engine).toFixed(2).padStart(12)}`,
    );
  }
  return lines.join("\n");
}

export async function benchNode(options: {
  seconds: number;
  probeSeconds: number;
}): Promise<NodeBenchResult> {
  let modelPath = DEFAULT_MODEL;
  let temp: string | undefined;
  if (!fs.existsSync(modelPath)) {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-bench-"));
    modelPath = path.join(temp, "pilotnet.onnx");
    fs.writeFileSync(modelPath, buildPilotNet());
  }
  try {
    const rows: NodeBenchRow[] = [];
    let provider = "";
    // Paired per camera count: ONNX Runtime's spinning threads (its default), then the node's.
    for (const cameras of [1, 3]) {
      for (const spinWait of [true, false]) {
        const row = await runOnce(modelPath, cameras, 30, options.seconds, spinWait);
        provider = row.provider;
        rows.push(row);
      }
    }
    const maxRateHz: Record<number, number> = {};
    for (const cameras of [1, 3]) {
      maxRateHz[cameras] = 0;
      for (const rate of [30, 45, 60, 90, 120]) {
        const row = await runOnce(modelPath, cameras, rate, options.probeSeconds);
        // Allow the frames still in flight at the end; anything more is a drop.
        if (row.dropped > 0) break;
        maxRateHz[cameras] = rate;
      }
    }
    return { model: temp ? "PilotNet layout, random weights" : modelPath, provider, rows, maxRateHz };
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  }
}
