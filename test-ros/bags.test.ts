/**
 * Rosbags end to end, as docs/ros.md section 4 and the README's bag tools describe them:
 * `ros2 bag record` of a camera and the node's outputs; `ros2 bag info`; `visualbackprop bag` of
 * that recording; `ros2 bag play` of what it wrote with every topic echoed; and the node under
 * `use_sim_time:=true` following a played bag's /clock.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { startNode } from "./checks";
import { killAll, NODE_READY, requireRosGraph, RosProcess, ros2, run, scratchDir } from "./graph";
import { outputsOf, probe, rawCamera } from "./probe";
import { REPO_ROOT } from "./ros-env";

const RECORDED = [
  "/camera/image_raw",
  "/visualbackprop/camera/steering",
  "/visualbackprop/camera/saliency",
  "/diagnostics",
];
const OUTPUTS: [string, string][] = [
  ["/visualbackprop/camera/mask", "sensor_msgs/msg/Image"],
  ["/visualbackprop/camera/overlay", "sensor_msgs/msg/Image"],
  ["/visualbackprop/camera/steering", "visualbackprop/msg/SteeringCommand"],
  ["/visualbackprop/camera/saliency", "visualbackprop/msg/Saliency"],
];

/** The message count `ros2 bag info` gives a topic of a type; 0 when it is not listed. */
function count(info: string, topic: string, type: string): number {
  const escaped = (text: string): string => text.replace(/[/]/g, "\\/");
  const match = info.match(
    new RegExp(`Topic: ${escaped(topic)} \\| Type: ${escaped(type)} \\| Count: (\\d+)`),
  );
  return match === null ? 0 : Number(match[1]);
}

describe("rosbags and visualbackprop_node on a real graph", function () {
  const dir = scratchDir("bags");
  const recording = path.join(dir, "drive");
  const offline = path.join(dir, "drive_vbp");
  let recorded = false;
  const recordedStamps = new Set<string>();
  let cameraFrames = 0;

  before(function () {
    requireRosGraph(this);
  });
  afterEach(killAll);

  it("ros2 bag record of the camera and the node's outputs; ros2 bag info lists them", async () => {
    await startNode();
    const recorder = RosProcess.start("ros2 bag record", "ros2", [
      "bag",
      "record",
      "-o",
      recording,
      ...RECORDED,
    ]);
    await recorder.waitFor(/Subscribed to topic '\/visualbackprop\/camera\/saliency'/, 60_000);
    recorded = true;
    const camera = rawCamera("/camera/image_raw", { width: 320, height: 240 });
    const sent = await probe({ publish: [camera], rate_hz: 10, frames: 30, linger_s: 1 });
    for (const stamp of sent.sent["/camera/image_raw"]) recordedStamps.add(stamp.join("."));
    recorder.signalGroup("SIGINT");
    const exit = await recorder.waitExit(10_000);
    assert.equal(exit?.code, 0, recorder.tail());
    const info = await ros2(["bag", "info", recording]);
    for (const topic of RECORDED) assert.match(info, new RegExp(`Topic: ${topic} \\| Type: `), info);
    cameraFrames = count(info, "/camera/image_raw", "sensor_msgs/msg/Image");
    assert.ok(cameraFrames >= 27, `${cameraFrames} of 30 frames recorded\n${info}`);
    assert.ok(
      count(info, "/visualbackprop/camera/steering", "visualbackprop/msg/SteeringCommand") >=
        cameraFrames - 2,
      info,
    );
    assert.ok(
      count(info, "/visualbackprop/camera/saliency", "visualbackprop/msg/Saliency") >= cameraFrames - 2,
      info,
    );
  });

  it("visualbackprop bag of that recording writes a bag ros2 bag info reads", async function () {
    if (!recorded) this.skip();
    const cli = path.join(REPO_ROOT, "dist", "src", "cli", "main.js");
    const result = await run(
      "node",
      [cli, "bag", recording, "-o", offline, "--topics", "/camera/image_raw"],
      180_000,
    );
    assert.equal(result.code, 0, result.output);
    const info = await ros2(["bag", "info", offline]);
    for (const [topic, type] of OUTPUTS)
      assert.equal(count(info, topic, type), cameraFrames, `${topic}\n${info}`);
  });

  it("ros2 bag play of the visualbackprop bag output: every topic echoed, outputs decoded", async function () {
    if (!recorded) this.skip();
    const echoes = [
      ...OUTPUTS.map(([topic, type]) => ({
        topic,
        type,
        field: topic.endsWith("steering") ? /curvature: -?\d/ : /header:/,
      })),
      { topic: "/camera/image_raw", type: "sensor_msgs/msg/Image", field: /encoding: rgb8/ },
      { topic: "/diagnostics", type: "diagnostic_msgs/msg/DiagnosticArray", field: /status:/ },
    ].map(({ topic, type, field }) => ({
      field,
      process: RosProcess.start(`echo ${topic}`, "ros2", [
        "topic",
        "echo",
        "--no-arr",
        "--once",
        topic,
        type,
      ]),
    }));
    // Echo needs the type from the graph: play after the echoes wait for their topics.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const player = RosProcess.start("ros2 bag play", "ros2", ["bag", "play", offline, "--loop"]);
    for (const { field, process } of echoes) {
      const exit = await process.waitExit(60_000);
      assert.equal(exit?.code, 0, process.tail());
      assert.match(process.output, field, process.tail());
    }
    player.signalGroup("SIGINT");
    await player.waitExit(10_000);
  });

  it("use_sim_time:=true with a played bag's /clock: outputs keep the recorded stamps, /diagnostics keeps going on the bag's clock", async function () {
    if (!recorded) this.skip();
    const launched = RosProcess.start("ros2 launch", "ros2", [
      "launch",
      "visualbackprop",
      "visualbackprop.launch.py",
      "use_sim_time:=true",
    ]);
    await launched.waitFor(NODE_READY, 120_000);
    // Long enough for `ros2 bag play` to start (seconds on a loaded 2-core machine) and play its
    // 2 s of frames; the count below is checked only after the player has finished.
    const listening = probe({
      subscribe: [...outputsOf("camera"), { topic: "/diagnostics", kind: "diagnostics" }],
      linger_s: 15,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const player = RosProcess.start("ros2 bag play", "ros2", [
      "bag",
      "play",
      recording,
      "--clock",
      "--topics",
      "/camera/image_raw",
    ]);
    const result = await listening;
    await player.waitExit(20_000);
    const steering = result.received["/visualbackprop/camera/steering"] ?? [];
    assert.ok(steering.length >= 20, `${steering.length} steering messages from 30 played frames`);
    for (const message of steering) assert.ok(recordedStamps.has(message.stamp!.join(".")), "recorded stamp");
    // Once a second of the steady clock for the 15 s listened, whatever /clock does; stamped with
    // ROS time, which is the bag's clock while it plays (0 before the first /clock).
    const diagnostics = result.received["/diagnostics"] ?? [];
    assert.ok(diagnostics.length >= 10, `${diagnostics.length} /diagnostics messages in 15 s of sim time`);
    const seconds = [...recordedStamps].map((stamp) => Number(stamp.split(".")[0]));
    const [first, last] = [Math.min(...seconds) - 1, Math.max(...seconds) + 1];
    const onBagClock = diagnostics.filter(
      ({ stamp }) => stamp !== undefined && stamp[0] >= first && stamp[0] <= last,
    );
    assert.ok(onBagClock.length >= 1, `no /diagnostics stamped within the bag's clock [${first}, ${last}] s`);
  });
});
