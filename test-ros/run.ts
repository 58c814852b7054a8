/**
 * `npm run test:ros`: the real-graph suite. Builds the package once with `colcon build` in a
 * temporary workspace, then runs mocha on dist/test-ros inside one loopback-only network
 * namespace, so that the node, the ros2 CLI, launch, rosbag2 and the helper processes see each
 * other and nothing else. Without ROS 2 it prints one line and exits 0.
 *
 * VBP_ROS_TEST_WS=<dir> keeps (and incrementally rebuilds) the workspace there between runs;
 * with VBP_ROS_TEST_SKIP_BUILD=1 as well, its install is used as it is. Arguments go to mocha
 * (e.g. --grep shutdown).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findRos, REPO_ROOT } from "./ros-env";
import { colconBuild, inRosNamespace } from "./workspace";

function main(): number {
  const ros = findRos();
  if ("reason" in ros) {
    console.log(`real-graph ROS tests skipped: ${ros.reason}`);
    return 0;
  }
  const kept = process.env.VBP_ROS_TEST_WS;
  const workspace = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), "visualbackprop-ws-"));
  try {
    console.log(`ROS 2 from ${ros.source}; colcon build in ${workspace}`);
    const started = Date.now();
    // For iterating on the tests themselves: reuse a kept workspace's install as it is.
    const skipBuild = kept !== undefined && process.env.VBP_ROS_TEST_SKIP_BUILD === "1";
    const failure = skipBuild ? undefined : colconBuild(ros, workspace);
    if (failure !== undefined) {
      console.error(failure);
      return 1;
    }
    console.log(`colcon build: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const mocha = path.join(REPO_ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const config = path.join(REPO_ROOT, "test-ros", ".mocharc.json");
    return (
      inRosNamespace(ros, workspace, `node "$1" --config "$2" "\${@:3}"`, [
        mocha,
        config,
        ...process.argv.slice(2),
      ]).status ?? 1
    );
  } finally {
    if (kept === undefined) fs.rmSync(workspace, { recursive: true, force: true });
  }
}

process.exitCode = main();
