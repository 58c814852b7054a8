/**
 * `ros2 run visualbackprop visualbackprop_node` on the real graph, as installed by colcon build:
 * every output for every frame with the camera's stamps, camera names under remapping, several
 * cameras, encodings and compressed topics.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RECEIVE_BUFFER_BYTES } from "../src/ros/dds-receive-buffer";
import { checkCameraOutputs, assertCleanLog, startNode } from "./checks";
import { installed, killAll, requireRosGraph, ros2 } from "./graph";
import { compressedCamera, outputsOf, probe, rawCamera } from "./probe";

describe("visualbackprop_node on a real ROS 2 graph (ros2 run)", function () {
  before(function () {
    requireRosGraph(this);
  });
  afterEach(killAll);

  it("colcon build installs the executables, the JavaScript, the messages and the share files", () => {
    const { share, lib } = installed();
    for (const file of [
      path.join(lib, "visualbackprop_node"),
      path.join(lib, "synthetic_camera"),
      path.join(share, "dist", "src", "ros", "node-entry.js"),
      path.join(share, "node_modules", "rclnodejs", "package.json"),
      path.join(share, "models", "pilotnet.onnx"),
      path.join(share, "config", "visualbackprop.yaml"),
      path.join(share, "launch", "visualbackprop.launch.py"),
      path.join(share, "launch", "visualbackprop.launch.xml"),
      path.join(share, "msg", "Saliency.msg"),
    ]) {
      assert.ok(fs.existsSync(file), `${file} is installed`);
    }
  });

  it("answers a 640x480 rgb8 camera at 15 Hz with all four outputs per frame, stamps and frame_id copied", async () => {
    const node = await startNode();
    const camera = rawCamera("/camera/image_raw", { frameId: "front_camera_optical" });
    const result = await probe({
      publish: [camera],
      subscribe: outputsOf("camera"),
      rate_hz: 15,
      frames: 45,
    });
    assert.ok(result.graph_ready, "the node subscribed and advertised its outputs");
    // Not quite every frame: the node drops a frame when the engine is busy, as on a loaded machine.
    checkCameraOutputs(result, camera, "camera", { minShare: 0.9 });
    const interfaces = await ros2(["interface", "show", "visualbackprop/msg/SteeringCommand"]);
    assert.match(interfaces, /float32 curvature/);
    assertCleanLog(node);
  });

  it("asks Cyclone DDS for a receive buffer that holds camera images, and says so in its log", async () => {
    const node = await startNode();
    assert.match(node.output, /socket receive buffer of [\d.]+ MiB for camera images/, node.tail());
    const rmemMax = Number(fs.readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
    // The kernel reports twice the size a socket asked for; Cyclone's own default is 1 MiB.
    const expected = 2 * Math.min(rmemMax, RECEIVE_BUFFER_BYTES);
    const group = new Set(
      execFileSync("pgrep", ["-g", String(node.pid)], { encoding: "utf8" })
        .trim()
        .split("\n"),
    );
    const sockets = execFileSync("ss", ["-uamnp"], { encoding: "utf8" })
      .split(/\n(?=\S)/)
      .filter((entry) => [...entry.matchAll(/pid=(\d+)/g)].some((match) => group.has(match[1])));
    assert.ok(sockets.length > 0, "the node's UDP sockets");
    const buffers = sockets.map((entry) => Number(/rb(\d+)/.exec(entry)?.[1]));
    assert.ok(
      buffers.some((size) => size === expected),
      `a socket with rb${expected} (net.core.rmem_max ${rmemMax}); the node's: ${buffers.join(", ")}`,
    );
  });

  it("names a camera remapped with --ros-args -r after the topic it really reads (/visualbackprop/front/...)", async () => {
    await startNode(["-r", "/camera/image_raw:=/cameras/front/image_raw"]);
    const camera = rawCamera("/cameras/front/image_raw");
    const result = await probe({ publish: [camera], subscribe: outputsOf("front"), rate_hz: 10, frames: 15 });
    checkCameraOutputs(result, camera, "front", { minShare: 0.8 });
  });

  it("serves 3 cameras of image_topics in bgr8, mono8 and yuv422, each under its own name", async () => {
    const topics = ["/cameras/left/image_raw", "/cameras/center/image_raw", "/cameras/right/image_raw"];
    await startNode(["-p", `image_topics:=[${topics.join(",")}]`]);
    const cameras = [
      rawCamera(topics[0], { encoding: "bgr8", frameId: "left" }),
      rawCamera(topics[1], { encoding: "mono8", frameId: "center" }),
      rawCamera(topics[2], { encoding: "yuv422", frameId: "right" }),
    ];
    const names = ["left", "center", "right"];
    const result = await probe({
      publish: cameras,
      subscribe: names.flatMap((name) => outputsOf(name)),
      rate_hz: 5,
      frames: 15,
    });
    cameras.forEach((camera, index) => checkCameraOutputs(result, camera, names[index], { minShare: 0.6 }));
  });

  it("reads /compressed topics as CompressedImage, JPEG and PNG", async () => {
    const topics = ["/cameras/front/image_raw/compressed", "/cameras/rear/image_raw/compressed"];
    await startNode(["-p", `image_topics:=[${topics.join(",")}]`]);
    const cameras = [
      await compressedCamera(topics[0], "jpeg", { frameId: "front" }),
      await compressedCamera(topics[1], "png", { frameId: "rear" }),
    ];
    const result = await probe({
      publish: cameras,
      subscribe: [...outputsOf("front"), ...outputsOf("rear")],
      rate_hz: 5,
      frames: 15,
    });
    checkCameraOutputs(result, cameras[0], "front", { minShare: 0.6 });
    checkCameraOutputs(result, cameras[1], "rear", { minShare: 0.6 });
  });
});
