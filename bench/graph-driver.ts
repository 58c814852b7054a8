/**
 * Inside the loopback network namespace (graph-bench.ts starts it): visualbackprop_node from the
 * colcon install and the bare rclnodejs relay (test-ros/helpers/relay.js), each fed the same
 * 640x480 rgb8 cameras at 30 Hz by test-ros/helpers/latency-probe.js (rclnodejs), which times
 * each answer against the camera stamp. Prints one JSON line: latency percentiles and drops per setup.
 */
import * as path from "node:path";
import { applyDdsReceiveBuffer } from "../src/ros/dds-receive-buffer";
import { ALLOCATOR_ENV } from "./allocator";
import { percentile } from "../src/ros/diagnostics";
import { killAll, NODE_READY, RosProcess, run } from "../test-ros/graph";
import { REPO_ROOT } from "../test-ros/ros-env";

export interface GraphRow {
  readonly setup: "floor" | "node";
  readonly cameras: number;
  readonly rateHz: number;
  readonly sent: number;
  /** Answers (relay headers, or node steering) missing for frames sent. */
  readonly dropped: number;
  /**
   * Of those, the frames of the stream's first second: a process meets its first camera-sized
   * messages there (first takes and publishes, fresh memory), and losses there are start-up cost.
   */
  readonly droppedFirstSecond: number;
  readonly steeringP50Ms: number;
  readonly steeringP99Ms: number;
  /**
   * Node only, from its last /diagnostics: frames it received (sent − received never reached it:
   * the transport lost them) and frames its scheduling replaced while busy (pipeline.ts).
   */
  readonly nodeReceived?: number;
  readonly nodeReplaced?: number;
  /**
   * Node only: its main thread's event-loop delay over the run, from /diagnostics: the worst
   * second's p99 and the largest delay (ms).
   */
  readonly mainThreadDelayP99Ms?: number;
  readonly mainThreadDelayMaxMs?: number;
  /** Node only. */
  readonly maskP50Ms?: number;
  readonly maskP99Ms?: number;
}

const RATE_HZ = 30;
/** The start of the stream that droppedFirstSecond counts, ms of camera stamps. */
const FIRST_SECOND_MS = 1000;
const LATENCY_PROBE = path.join(REPO_ROOT, "test-ros", "helpers", "latency-probe.js");

function latencies(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

async function measure(setup: "floor" | "node", cameras: number, frames: number): Promise<GraphRow> {
  const names = ["front", "left", "right"].slice(0, cameras);
  const topics = names.map((name) => `/cameras/${name}/image_raw`);
  const process =
    setup === "node"
      ? RosProcess.start("visualbackprop_node", "ros2", [
          "run",
          "visualbackprop",
          "visualbackprop_node",
          "--ros-args",
          "-p",
          `image_topics:=[${topics.join(",")}]`,
        ])
      : // The node's executable sets the allocator for camera-sized messages; the relay gets the
        // same, so the floor is the same transport and allocator without the node's work.
        RosProcess.start(
          "relay",
          "node",
          [path.join(REPO_ROOT, "test-ros", "helpers", "relay.js"), ...topics],
          {
            env: ALLOCATOR_ENV,
          },
        );
  await process.waitFor(setup === "node" ? NODE_READY : /relay ready/, 120_000);
  const steeringTopics = names.map((name, index) =>
    setup === "node" ? `/visualbackprop/${name}/steering` : `/relay/camera_${index}/header`,
  );
  const maskTopics = setup === "node" ? names.map((name) => `/visualbackprop/${name}/mask`) : [];
  const answers = [
    ...steeringTopics.map(
      (topic) =>
        `${topic}=${setup === "node" ? "visualbackprop/msg/SteeringCommand" : "std_msgs/msg/Header"}`,
    ),
    ...maskTopics.map((topic) => `${topic}=sensor_msgs/msg/Image`),
  ];
  const timed = await run(
    "node",
    [
      LATENCY_PROBE,
      String(RATE_HZ),
      String(frames / RATE_HZ),
      topics.join(","),
      answers.join(","),
      ...(setup === "node" ? ["diagnostics"] : []),
    ],
    180_000,
    // The camera, as synthetic_camera runs.
    { env: ALLOCATOR_ENV },
  );
  const line = timed.output.split("\n").find((candidate) => candidate.startsWith("{"));
  if (timed.code !== 0 || line === undefined)
    throw new Error(`latency probe failed\n${timed.output.slice(-2000)}`);
  const result = JSON.parse(line) as {
    sent: number;
    answers: Record<string, number[]>;
    offsets: Record<string, number[]>;
    diagnostics: Record<string, Record<string, string>>;
    peaks?: Record<string, number>;
  };
  process.signalGroup("SIGINT");
  await process.waitExit(5000);
  await killAll();
  const sent = result.sent;
  const steeringMs = latencies(steeringTopics.flatMap((topic) => result.answers[topic] ?? []));
  const maskMs = latencies(maskTopics.flatMap((topic) => result.answers[topic] ?? []));
  const steering = steeringMs;
  const framesFirstSecond = Math.min(frames, Math.ceil((FIRST_SECOND_MS * RATE_HZ) / 1000));
  const answeredFirstSecond = steeringTopics
    .flatMap((topic) => result.offsets[topic] ?? [])
    .filter((offset) => offset < FIRST_SECOND_MS - 1).length;
  const cameraStatuses = Object.entries(result.diagnostics)
    .filter(([name]) => name.includes(": camera "))
    .map(([, values]) => values);
  const total = (key: string): number | undefined =>
    cameraStatuses.length === 0
      ? undefined
      : cameraStatuses.reduce((sum, values) => sum + Number(values[key]), 0);
  return {
    setup,
    cameras,
    rateHz: RATE_HZ,
    sent,
    dropped: Math.max(0, sent - steering.length),
    droppedFirstSecond: Math.max(0, framesFirstSecond * cameras - answeredFirstSecond),
    steeringP50Ms: percentile(steeringMs, 0.5),
    steeringP99Ms: percentile(steeringMs, 0.99),
    ...(setup === "node"
      ? {
          nodeReceived: total("frames_received_total"),
          nodeReplaced: total("frames_dropped_total"),
          mainThreadDelayP99Ms: result.peaks?.main_thread_delay_p99_ms,
          mainThreadDelayMaxMs: result.peaks?.main_thread_delay_max_ms,
        }
      : {}),
    ...(setup === "node" ? { maskP50Ms: percentile(maskMs, 0.5), maskP99Ms: percentile(maskMs, 0.99) } : {}),
  };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? "5");
  const frames = Math.round(seconds * RATE_HZ);
  // The relay and the probe get the DDS receive buffer the node gives itself, so the floor is
  // the same transport and the probe's own socket does not drop the masks it times.
  const dds = applyDdsReceiveBuffer(process.env);
  process.stderr.write(`${dds.info ?? "DDS configuration as the environment has it"}\n`);
  const rows: GraphRow[] = [];
  // Floor and node alternate per camera count, so a disturbance of the machine hits both alike.
  for (const cameras of [1, 3]) {
    rows.push(await measure("floor", cameras, frames));
    rows.push(await measure("node", cameras, frames));
  }
  process.stdout.write(`${JSON.stringify({ rows })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
