/**
 * The launch files as installed: arguments reach the node, outputs appear where docs/ros.md says,
 * Ctrl-C ends launch with exit 0 and no "process has died".
 */
import assert from "node:assert/strict";
import { checkCameraOutputs, assertCleanLog } from "./checks";
import { killAll, NODE_READY, requireRosGraph, RosProcess } from "./graph";
import { outputsOf, probe, rawCamera } from "./probe";

const STOP_WITHIN_MS = 2000;

async function launch(file: string, args: readonly string[]): Promise<RosProcess> {
  const process = RosProcess.start(`ros2 launch ${file}`, "ros2", [
    "launch",
    "visualbackprop",
    file,
    ...args,
  ]);
  await process.waitFor(NODE_READY, 120_000);
  return process;
}

/** Ctrl-C as a terminal sends it; launch must end within 2 s, exit 0, and report no death. */
async function ctrlC(process: RosProcess): Promise<void> {
  process.signalGroup("SIGINT");
  const exit = await process.waitExit(STOP_WITHIN_MS);
  assert.ok(exit !== undefined, `launch still running ${STOP_WITHIN_MS} ms after Ctrl-C\n${process.tail()}`);
  assert.deepEqual(exit, { code: 0, signal: null }, process.tail());
  assertCleanLog(process);
}

describe("launch files on a real graph", function () {
  before(function () {
    requireRosGraph(this);
  });
  afterEach(killAll);

  for (const file of ["visualbackprop.launch.xml", "visualbackprop.launch.py"]) {
    it(`${file} camera_topic:=/cameras/front/image_raw publishes under /visualbackprop/front/`, async () => {
      const launched = await launch(file, ["camera_topic:=/cameras/front/image_raw"]);
      const camera = rawCamera("/cameras/front/image_raw", { frameId: "front" });
      const result = await probe({
        publish: [camera],
        subscribe: outputsOf("front"),
        rate_hz: 10,
        frames: 20,
      });
      checkCameraOutputs(result, camera, "front", { minShare: 0.8 });
      await ctrlC(launched);
    });
  }

  it("visualbackprop.launch.py image_topics:=a,b,c serves three cameras", async () => {
    const topics = ["/cameras/left/image_raw", "/cameras/center/image_raw", "/cameras/right/image_raw"];
    const launched = await launch("visualbackprop.launch.py", [`image_topics:=${topics.join(",")}`]);
    assert.match(launched.output, /cameras: left <- \/cameras\/left\/image_raw, center <- .*, right <- /);
    const cameras = topics.map((topic) => rawCamera(topic));
    const names = ["left", "center", "right"];
    const result = await probe({
      publish: cameras,
      subscribe: names.flatMap((name) => outputsOf(name)),
      rate_hz: 5,
      frames: 10,
    });
    cameras.forEach((camera, index) => checkCameraOutputs(result, camera, names[index], { minShare: 0.6 }));
    await ctrlC(launched);
  });

  it("visualbackprop.launch.xml image_topics:=a,b serves two cameras, namespace:= moves the node", async () => {
    const topics = ["/cameras/front/image_raw", "/cameras/rear/image_raw"];
    const launched = await launch("visualbackprop.launch.xml", [
      `image_topics:=${topics.join(",")}`,
      "namespace:=car",
    ]);
    const cameras = topics.map((topic) => rawCamera(topic));
    const result = await probe({
      publish: cameras,
      subscribe: [...outputsOf("front", "/car/visualbackprop"), ...outputsOf("rear", "/car/visualbackprop")],
      rate_hz: 5,
      frames: 10,
    });
    checkCameraOutputs(result, cameras[0], "front", { minShare: 0.6, node: "/car/visualbackprop" });
    checkCameraOutputs(result, cameras[1], "rear", { minShare: 0.6, node: "/car/visualbackprop" });
    await ctrlC(launched);
  });

  it("synthetic_demo.launch.py rviz:=false: the synthetic camera drives the node; Ctrl-C ends both cleanly", async () => {
    const launched = await launch("synthetic_demo.launch.py", ["rviz:=false", "rate_hz:=10.0"]);
    const result = await probe({
      subscribe: [
        { topic: "/visualbackprop/camera/steering", kind: "steering" },
        { topic: "/visualbackprop/camera/mask", kind: "image" },
      ],
      linger_s: 3,
    });
    assert.ok((result.received["/visualbackprop/camera/steering"] ?? []).length >= 10, launched.tail());
    assert.ok((result.received["/visualbackprop/camera/mask"] ?? []).length >= 10, launched.tail());
    await ctrlC(launched);
  });
});
