/**
 * `npm run bench -- --only=graph`: visualbackprop_node on a real ROS 2 graph against the transport
 * floor (the same camera images answered by a bare rclnodejs relay), 640x480 rgb8 at 30 Hz, 1 and
 * 3 cameras. Needs ROS 2 (test-ros/ros-env.ts finds it) and the package built with colcon: the
 * workspace in VBP_ROS_WS as it is, else one kept under the temp dir and built (incrementally
 * after the first time). Without ROS it returns the reason it was skipped.
 */
import * as os from "node:os";
import * as path from "node:path";
import { findRos } from "../test-ros/ros-env";
import { colconBuild, inRosNamespace } from "../test-ros/workspace";
import type { GraphRow } from "./graph-driver";

export type GraphBenchResult = { rows: GraphRow[] } | { skipped: string };

export function benchGraph(options: { seconds: number }): GraphBenchResult {
  const ros = findRos();
  if ("reason" in ros) return { skipped: ros.reason };
  // A workspace given in VBP_ROS_WS is used as built; otherwise the kept one is (re)built.
  const given = process.env.VBP_ROS_WS;
  const workspace = given ?? path.join(os.tmpdir(), "visualbackprop-bench-ws");
  const failure = given === undefined ? colconBuild(ros, workspace) : undefined;
  if (failure !== undefined) return { skipped: `colcon build failed:\n${failure}` };
  const driver = path.join(__dirname, "graph-driver.js");
  const run = inRosNamespace(ros, workspace, `node "$1" "$2"`, [driver, String(options.seconds)], {
    stdio: "pipe",
  });
  const line = run.stdout
    .split("\n")
    .reverse()
    .find((candidate) => candidate.startsWith("{"));
  if (run.status !== 0 || line === undefined) return { skipped: `the graph run failed (exit ${run.status})` };
  return JSON.parse(line) as { rows: GraphRow[] };
}

/** The table, with the floor beside the node. */
export function formatGraph(result: { rows: GraphRow[] }): string {
  const f = (value: number | undefined): string =>
    value === undefined ? "      -" : value.toFixed(1).padStart(7);
  const lines = [
    "setup   cameras  Hz   sent  dropped  steering p50  p99   mask p50    p99",
    ...result.rows.map(
      (row) =>
        `${row.setup.padEnd(6)}  ${String(row.cameras).padStart(7)}  ${row.rateHz}  ${String(row.sent).padStart(5)}  ${String(row.dropped).padStart(7)}  ${f(row.steeringP50Ms)}  ${f(row.steeringP99Ms)}  ${f(row.maskP50Ms)}  ${f(row.maskP99Ms)}`,
    ),
  ];
  for (const cameras of [1, 3]) {
    const floor = result.rows.find((row) => row.setup === "floor" && row.cameras === cameras);
    const node = result.rows.find((row) => row.setup === "node" && row.cameras === cameras);
    if (floor !== undefined && node !== undefined) {
      const where =
        node.nodeReceived === undefined || node.nodeReplaced === undefined
          ? ""
          : ` (${node.sent - node.nodeReceived} never reached the node, ${node.nodeReplaced} replaced by a newer frame while it was busy)`;
      const stall =
        node.mainThreadDelayMaxMs === undefined || node.mainThreadDelayP99Ms === undefined
          ? ""
          : `; the node's main thread ran late by up to ${node.mainThreadDelayMaxMs.toFixed(0)} ms (worst second's p99 ${node.mainThreadDelayP99Ms.toFixed(0)} ms)`;
      lines.push(
        `${cameras} camera(s): steering p99 ${(node.steeringP99Ms - floor.steeringP99Ms).toFixed(1)} ms above the floor, ${node.dropped} of ${node.sent} frames without steering, ${node.droppedFirstSecond} of them in the stream's first second${where}${stall}`,
      );
    }
  }
  lines.push("targets: steering p99 within 5 ms of the floor at 1 camera; no drops at 3 cameras");
  return lines.join("\n");
}
