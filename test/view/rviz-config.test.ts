import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { readViewParameters } from "../../src/view/node-params";
import { configFromArgs, namespaceFromRosArgs, splitRosArgs } from "../../src/view/rviz-main";
import { cameraViews, qualifyTopic } from "../../src/view/view-topics";
import { REPO_ROOT, tempDir } from "../support/paths";

interface Display {
  Class: string;
  Name: string;
  Topic: { Value: string; "Reliability Policy": string; Depth: number; "Durability Policy": string };
}

/** The Image displays of a generated configuration as [title, topic, reliability, depth] rows. */
function displays(text: string): [string, string, string, number][] {
  const doc = parse(text) as { "Visualization Manager": { Displays: Display[] } };
  return doc["Visualization Manager"].Displays.map((d) => {
    assert.equal(d.Class, "rviz_default_plugins/Image");
    assert.equal(d.Topic["Durability Policy"], "Volatile");
    return [d.Name, d.Topic.Value, d.Topic["Reliability Policy"], d.Topic.Depth];
  });
}

const BE = "Best Effort";
const R = "Reliable";

describe("RViz configuration for the launched cameras", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir("vbp-rviz-")));
  afterEach(() => tmp.remove());

  it("shows the default camera with the node's QoS: best effort in, reliable out", () => {
    assert.deepEqual(displays(configFromArgs([])), [
      ["camera image", "/camera/image_raw", BE, 1],
      ["camera overlay", "/visualbackprop/camera/overlay", R, 5],
      ["camera mask", "/visualbackprop/camera/mask", R, 5],
    ]);
  });

  it("names a remapped camera after the topic it comes from, as the node does", () => {
    // camera_topic:=/cameras/front/image_raw remaps /camera/image_raw: the node names it "front".
    const text = configFromArgs(["--remap", "/camera/image_raw:=/cameras/front/image_raw"]);
    assert.deepEqual(displays(text), [
      ["front image", "/cameras/front/image_raw", BE, 1],
      ["front overlay", "/visualbackprop/front/overlay", R, 5],
      ["front mask", "/visualbackprop/front/mask", R, 5],
    ]);
  });

  it("shows three cameras, one compressed, in a namespace taken from the ROS arguments", () => {
    const { own, ros } = splitRosArgs([
      "--topics",
      "/cameras/front/image_raw, /cameras/rear/image_raw/compressed,cameras/left/image_raw",
      "--ros-args",
      "-r",
      "__node:=visualbackprop_rviz",
      "-r",
      "__ns:=/car1",
    ]);
    assert.deepEqual(ros.slice(0, 1), ["--ros-args"]);
    assert.equal(namespaceFromRosArgs(ros), "/car1");
    assert.deepEqual(displays(configFromArgs(own, namespaceFromRosArgs(ros))), [
      ["front image", "/cameras/front/image_raw", BE, 1],
      ["front overlay", "/car1/visualbackprop/front/overlay", R, 5],
      ["front mask", "/car1/visualbackprop/front/mask", R, 5],
      // RViz picks the compressed transport from the topic's last segment.
      ["rear image", "/cameras/rear/image_raw/compressed", BE, 1],
      ["rear overlay", "/car1/visualbackprop/rear/overlay", R, 5],
      ["rear mask", "/car1/visualbackprop/rear/mask", R, 5],
      // A relative camera topic resolves in the node's namespace.
      ["left image", "/car1/cameras/left/image_raw", BE, 1],
      ["left overlay", "/car1/visualbackprop/left/overlay", R, 5],
      ["left mask", "/car1/visualbackprop/left/mask", R, 5],
    ]);
  });

  it("reads cameras, names and QoS from the node's parameter file; arguments win over it", () => {
    const file = path.join(tmp.dir, "params.yaml");
    fs.writeFileSync(
      file,
      [
        "/**:",
        "  ros__parameters:",
        "    output_depth: 2",
        "visualbackprop:",
        "  ros__parameters:",
        '    image_topics: ["/cam_a/image_raw", "/cam_b/image_raw"]',
        '    camera_names: ["left", "right"]',
        '    input_reliability: "reliable"',
        "    input_depth: 3",
        '    output_reliability: "best_effort"',
        "",
      ].join("\n"),
    );
    assert.deepEqual(displays(configFromArgs(["--params-file", file])), [
      ["left image", "/cam_a/image_raw", R, 3],
      ["left overlay", "/visualbackprop/left/overlay", BE, 2],
      ["left mask", "/visualbackprop/left/mask", BE, 2],
      ["right image", "/cam_b/image_raw", R, 3],
      ["right overlay", "/visualbackprop/right/overlay", BE, 2],
      ["right mask", "/visualbackprop/right/mask", BE, 2],
    ]);
    const override = configFromArgs([
      "--params-file",
      file,
      "--topics",
      "/x/front/image_raw",
      "--names",
      "f",
    ]);
    assert.deepEqual(
      displays(override).map((d) => d[1]),
      ["/x/front/image_raw", "/visualbackprop/f/overlay", "/visualbackprop/f/mask"],
    );
  });

  it("the shipped parameter file gives the defaults", () => {
    const params = readViewParameters(path.join(REPO_ROOT, "config", "visualbackprop.yaml"));
    assert.deepEqual(params, {
      imageTopics: ["/camera/image_raw"],
      cameraNames: [],
      input: { reliability: "best_effort", depth: 1 },
      output: { reliability: "reliable", depth: 5 },
    });
  });

  it("refuses what the node would refuse, naming it", () => {
    assert.throws(
      () => configFromArgs(["--topics", "/a/x/image_raw,/b/x/image_raw"]),
      /cameras \/a\/x\/image_raw and \/b\/x\/image_raw would both be named "x"/,
    );
    assert.throws(() => configFromArgs(["--remap", "nothing"]), /--remap: expected FROM:=TO, got 'nothing'/);
    const file = path.join(tmp.dir, "bad.yaml");
    fs.writeFileSync(file, "/**:\n  ros__parameters:\n    input_reliability: fast\n");
    assert.throws(
      () => configFromArgs(["--params-file", file]),
      /bad\.yaml: input_reliability must be "best_effort" or "reliable", got "fast"/,
    );
  });

  it("qualifies names as rcl does", () => {
    assert.equal(qualifyTopic("/abs/topic", "/ns", "node"), "/abs/topic");
    assert.equal(qualifyTopic("rel/topic", "ns/", "node"), "/ns/rel/topic");
    assert.equal(qualifyTopic("~/front/mask", "", "visualbackprop"), "/visualbackprop/front/mask");
    // A relative camera topic is named after its expanded name, as the node names it.
    assert.deepEqual(cameraViews({ topics: ["image_raw"], namespace: "/robot" }), [
      {
        name: "robot",
        camera: "/robot/image_raw",
        mask: "/robot/visualbackprop/robot/mask",
        overlay: "/robot/visualbackprop/robot/overlay",
        steering: "/robot/visualbackprop/robot/steering",
      },
    ]);
  });

  it("config/visualbackprop.rviz is the generated configuration for the default camera", () => {
    const shipped = fs.readFileSync(path.join(REPO_ROOT, "config", "visualbackprop.rviz"), "utf8");
    assert.equal(
      shipped,
      configFromArgs([]),
      "regenerate it: node bin/visualbackprop_rviz --out config/visualbackprop.rviz",
    );
  });

  it("bin/visualbackprop_rviz says in one line that RViz is missing, and exits 1", () => {
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "visualbackprop_rviz")], {
      encoding: "utf8",
      env: { ...process.env, AMENT_PREFIX_PATH: tmp.dir },
    });
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "visualbackprop_rviz: RViz 2 is not installed (no lib/rviz2/rviz2 under AMENT_PREFIX_PATH): install ros-$ROS_DISTRO-rviz2, or launch with rviz:=false\n",
    );
  });

  it("bin/visualbackprop_rviz runs rviz2 with a temporary configuration, passes Ctrl-C on, and removes the file", async () => {
    const prefix = path.join(tmp.dir, "prefix");
    const rviz2 = path.join(prefix, "lib", "rviz2", "rviz2");
    fs.mkdirSync(path.dirname(rviz2), { recursive: true });
    const mark = path.join(tmp.dir, "mark");
    // Keeps the configuration it got, says it started, and exits 0 on SIGINT as RViz does.
    fs.writeFileSync(
      rviz2,
      `#!/bin/sh\ncp "$2" "${mark}.rviz"\necho "$*" > "${mark}.args"\ntrap 'echo int > "${mark}"; exit 0' INT\necho started\nwhile :; do sleep 0.05; done\n`,
      { mode: 0o755 },
    );
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, "bin", "visualbackprop_rviz"),
        "--topics",
        "/cameras/front/image_raw",
        "--ros-args",
        "-r",
        "__ns:=/car1",
      ],
      { env: { ...process.env, AMENT_PREFIX_PATH: prefix }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const code = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    child.kill("SIGINT");
    assert.equal(await code, 0, stderr);
    assert.equal(fs.readFileSync(mark, "utf8"), "int\n");
    const args = fs.readFileSync(`${mark}.args`, "utf8").trim().split(" ");
    assert.deepEqual(args.slice(2), ["--ros-args", "-r", "__ns:=/car1"]);
    assert.equal(fs.existsSync(args[1]), false, "the temporary configuration is removed");
    assert.deepEqual(
      displays(fs.readFileSync(`${mark}.rviz`, "utf8")).map((d) => d[1]),
      ["/cameras/front/image_raw", "/car1/visualbackprop/front/overlay", "/car1/visualbackprop/front/mask"],
    );
  });
});
