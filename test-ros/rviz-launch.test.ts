/**
 * The launch files on the real ROS 2 graph (`ros2 launch` in a `rosns` namespace), from an install
 * prefix made of links into the checkout: the node and the camera are stand-ins that print their
 * arguments, and rviz2 is either missing or a stand-in that keeps the configuration it was given.
 * Skipped where ROS 2 Humble or rosns is not installed.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO_ROOT, tempDir } from "../test/support/paths";

const SHARED = process.env.VISUALBACKPROP_SHARED ?? path.resolve(REPO_ROOT, "..", "shared");
const ENV_SH = path.join(SHARED, "ros2", "env.sh");
const ROSNS = path.join(SHARED, "ros2", "rosns");
const HAVE_ROS = fs.existsSync("/opt/ros/humble/setup.bash") && fs.existsSync(ENV_SH) && fs.existsSync(ROSNS);

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** Registers package `name` in the ament index of `prefix`. */
function register(prefix: string, name: string): void {
  write(path.join(prefix, "share", "ament_index", "resource_index", "packages", name), "");
}

/** A stand-in executable that prints its name and arguments, then exits 0. */
function standIn(file: string, name: string, extra = ""): void {
  write(file, `#!/bin/sh\necho "${name} args: $*"\n${extra}`, 0o755);
}

/** visualbackprop as colcon would install it, made of links to the checkout; stand-in node and camera. */
function fakeInstall(prefix: string): void {
  register(prefix, "visualbackprop");
  const share = path.join(prefix, "share", "visualbackprop");
  for (const dir of ["launch", "config"]) {
    fs.mkdirSync(path.join(share, dir), { recursive: true });
    for (const file of fs.readdirSync(path.join(REPO_ROOT, dir)))
      fs.symlinkSync(path.join(REPO_ROOT, dir, file), path.join(share, dir, file));
  }
  const lib = path.join(prefix, "lib", "visualbackprop");
  fs.mkdirSync(lib, { recursive: true });
  fs.symlinkSync(path.join(REPO_ROOT, "bin", "visualbackprop_rviz"), path.join(lib, "visualbackprop_rviz"));
  standIn(path.join(lib, "visualbackprop_node"), "visualbackprop_node");
  standIn(path.join(lib, "synthetic_camera"), "synthetic_camera");
}

/** An rviz2 that copies the file given with -d to $VBP_RVIZ_CAPTURE. */
function fakeRviz(prefix: string): void {
  register(prefix, "rviz2");
  standIn(
    path.join(prefix, "lib", "rviz2", "rviz2"),
    "rviz2",
    'while [ $# -gt 0 ]; do [ "$1" = -d ] && cp "$2" "$VBP_RVIZ_CAPTURE"; shift; done\n',
  );
}

interface Launch {
  readonly status: number | null;
  readonly output: string;
  /** The configuration rviz2 was started with, if it was. */
  readonly config?: string;
}

describe("launch files with rviz:=true (real ros2 launch)", function () {
  this.timeout(120000);
  let tmp: ReturnType<typeof tempDir>;
  let install: string;
  let rviz: string;

  before(function () {
    if (!HAVE_ROS) this.skip();
  });
  beforeEach(() => {
    tmp = tempDir("vbp-launch-");
    install = path.join(tmp.dir, "install");
    rviz = path.join(tmp.dir, "rviz2");
    fakeInstall(install);
    fakeRviz(rviz);
  });
  afterEach(() => tmp?.remove());

  function launch(file: string, args: readonly string[], withRviz: boolean): Launch {
    const capture = path.join(tmp.dir, "captured.rviz");
    const prefixes = withRviz ? `${rviz}:${install}` : install;
    const quoted = [file, ...args].map((a) => `'${a}'`).join(" ");
    const script = `source '${ENV_SH}' && export AMENT_PREFIX_PATH='${prefixes}':"$AMENT_PREFIX_PATH" && exec '${ROSNS}' ros2 launch visualbackprop ${quoted}`;
    const run = spawnSync("bash", ["-c", script], {
      encoding: "utf8",
      cwd: tmp.dir,
      timeout: 60000,
      env: { ...process.env, VBP_RVIZ_CAPTURE: capture, ROS_LOG_DIR: path.join(tmp.dir, "log") },
    });
    const config = fs.existsSync(capture) ? fs.readFileSync(capture, "utf8") : undefined;
    return { status: run.status, output: `${run.stdout}${run.stderr}`, config };
  }

  function topics(config: string | undefined): [string, string, string][] {
    assert.ok(config !== undefined, "rviz2 was not started with a configuration");
    const doc = parse(config) as {
      "Visualization Manager": {
        Displays: { Name: string; Topic: { Value: string; "Reliability Policy": string } }[];
      };
    };
    return doc["Visualization Manager"].Displays.map((d) => [
      d.Name,
      d.Topic.Value,
      d.Topic["Reliability Policy"],
    ]);
  }

  for (const file of ["visualbackprop.launch.py", "visualbackprop.launch.xml"]) {
    it(`${file}: without RViz installed, fails with one clear line and no traceback`, () => {
      const run = launch(file, ["rviz:=true"], false);
      assert.notEqual(run.status, 0, run.output);
      const lines = run.output.split("\n").filter((line) => /RViz 2 is not installed/.test(line));
      assert.equal(lines.length, 1, run.output);
      assert.match(lines[0], /rviz:=true, but RViz 2 is not installed .*launch with rviz:=false/);
      assert.doesNotMatch(run.output, /Traceback/);
    });
  }

  it("visualbackprop.launch.py camera_topic:=...: RViz shows the car's camera and the node's outputs", () => {
    const run = launch(
      "visualbackprop.launch.py",
      ["camera_topic:=/cameras/front/image_raw", "rviz:=true"],
      true,
    );
    assert.equal(run.status, 0, run.output);
    // The node gets the camera by remapping /camera/image_raw and names it after the remapped topic.
    assert.match(
      run.output,
      /visualbackprop_node args: .*-r \/camera\/image_raw:=\/cameras\/front\/image_raw/,
    );
    assert.deepEqual(topics(run.config), [
      ["front image", "/cameras/front/image_raw", "Best Effort"],
      ["front overlay", "/visualbackprop/front/overlay", "Reliable"],
      ["front mask", "/visualbackprop/front/mask", "Reliable"],
    ]);
    // The temporary configuration is gone once RViz exits.
    const given = /rviz2 args: -d (\S+)/.exec(run.output);
    assert.ok(given !== null, run.output);
    assert.equal(fs.existsSync(given[1]), false);
  });

  it("visualbackprop.launch.xml with three cameras in a namespace: nine displays under it", () => {
    const run = launch(
      "visualbackprop.launch.xml",
      [
        "image_topics:=/cameras/front/image_raw,/cameras/rear/image_raw/compressed,/cameras/left/image_raw",
        "namespace:=car1",
        "rviz:=true",
      ],
      true,
    );
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /visualbackprop_node args: .*-r __ns:=\/car1/);
    assert.match(run.output, /rviz2 args: .*-r __ns:=\/car1/);
    const rows = topics(run.config);
    assert.deepEqual(
      rows.map((r) => r[1]),
      ["front", "rear", "left"].flatMap((camera) => [
        camera === "rear" ? "/cameras/rear/image_raw/compressed" : `/cameras/${camera}/image_raw`,
        `/car1/visualbackprop/${camera}/overlay`,
        `/car1/visualbackprop/${camera}/mask`,
      ]),
    );
    assert.deepEqual(
      rows.map((r) => r[2]),
      Array.from({ length: 3 }, () => ["Best Effort", "Reliable", "Reliable"]).flat(),
    );
  });

  it("visualbackprop.launch.py with a parameter file: its cameras, names and QoS, in the namespace", () => {
    const params = path.join(tmp.dir, "params.yaml");
    fs.writeFileSync(
      params,
      [
        "visualbackprop:",
        "  ros__parameters:",
        '    image_topics: ["/cam_a/image_raw", "/cam_b/image_raw"]',
        '    camera_names: ["left", "right"]',
        '    input_reliability: "reliable"',
        "",
      ].join("\n"),
    );
    const run = launch(
      "visualbackprop.launch.py",
      [`params_file:=${params}`, "namespace:=robot", "rviz:=true"],
      true,
    );
    assert.equal(run.status, 0, run.output);
    assert.deepEqual(topics(run.config), [
      ["left image", "/cam_a/image_raw", "Reliable"],
      ["left overlay", "/robot/visualbackprop/left/overlay", "Reliable"],
      ["left mask", "/robot/visualbackprop/left/mask", "Reliable"],
      ["right image", "/cam_b/image_raw", "Reliable"],
      ["right overlay", "/robot/visualbackprop/right/overlay", "Reliable"],
      ["right mask", "/robot/visualbackprop/right/mask", "Reliable"],
    ]);
  });

  it("synthetic_demo.launch.py: RViz shows the synthetic camera", () => {
    const run = launch("synthetic_demo.launch.py", [], true);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /synthetic_camera args: .*-r __ns:=\/camera/);
    assert.deepEqual(
      topics(run.config).map((r) => r[1]),
      ["/camera/image_raw", "/visualbackprop/camera/overlay", "/visualbackprop/camera/mask"],
    );
  });

  it("rviz_config:=FILE is used as it is", () => {
    const mine = path.join(tmp.dir, "mine.rviz");
    fs.writeFileSync(mine, "Panels: []\n");
    const run = launch("visualbackprop.launch.py", ["rviz:=true", `rviz_config:=${mine}`], true);
    assert.equal(run.status, 0, run.output);
    assert.equal(run.config, "Panels: []\n");
  });
});
