/**
 * Stopping the node as users do: Ctrl-C (SIGINT to the process group, as a terminal sends it),
 * SIGTERM (systemd, docker, launch's escalation), and SIGTERM after a SIGINT that a background job
 * ignored. Each must end every process within 2 s with exit code 0, while a camera is streaming.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { startNode } from "./checks";
import { installed, killAll, NODE_READY, requireRosGraph, RosProcess } from "./graph";
import { probe, rawCamera } from "./probe";

const STOP_WITHIN_MS = 2000;

/** A camera at 15 Hz for a few seconds in the background, so a frame is in flight at the signal. */
function streamCamera(): Promise<unknown> {
  return probe({ publish: [rawCamera("/camera/image_raw")], rate_hz: 15, frames: 60, linger_s: 0 }).catch(
    () => undefined,
  );
}

async function startExecutable(options: { ignoreSigint?: boolean } = {}): Promise<RosProcess> {
  const executable = path.join(installed().lib, "visualbackprop_node");
  const node = RosProcess.start("visualbackprop_node", executable, [], options);
  await node.waitFor(NODE_READY, 120_000);
  return node;
}

async function assertStops(process: RosProcess): Promise<void> {
  const started = Date.now();
  const exit = await process.waitExit(STOP_WITHIN_MS);
  assert.ok(exit !== undefined, `still running ${STOP_WITHIN_MS} ms after the signal\n${process.tail()}`);
  assert.deepEqual(exit, { code: 0, signal: null }, process.tail());
  // Nothing of the group may outlive it (ros2 run's child included).
  while (process.groupAlive() && Date.now() - started < STOP_WITHIN_MS)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(!process.groupAlive(), `a process of ${process.name}'s group outlived it`);
}

describe("stopping visualbackprop_node on a real graph", function () {
  before(function () {
    requireRosGraph(this);
  });
  afterEach(killAll);

  it("Ctrl-C (SIGINT to the group) of ros2 run: exit 0 within 2 s", async () => {
    const node = await startNode();
    const camera = streamCamera();
    await node.waitFor(/./, 1000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    node.signalGroup("SIGINT");
    await assertStops(node);
    assert.match(node.output, /SIGINT: finishing the frame in flight/);
    await camera;
  });

  it("SIGTERM: exit 0 within 2 s", async () => {
    const node = await startExecutable();
    const camera = streamCamera();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    node.signal("SIGTERM");
    await assertStops(node);
    await camera;
  });

  it("SIGTERM after an ignored SIGINT (a background job): exit 0 within 2 s", async () => {
    const node = await startExecutable({ ignoreSigint: true });
    const camera = streamCamera();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    node.signalGroup("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    node.signalGroup("SIGTERM");
    await assertStops(node);
    await camera;
  });

  it("SIGTERM right after Ctrl-C (a user who insists, or a supervisor escalating): exit 0 within 2 s", async () => {
    const node = await startExecutable();
    const camera = streamCamera();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    node.signalGroup("SIGINT");
    node.signalGroup("SIGTERM");
    await assertStops(node);
    await camera;
  });
});
