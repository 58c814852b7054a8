/**
 * Where the real-graph tests find ROS 2 and how they keep DDS off the network. ROS comes from the
 * shell (sourced), else /opt/ros/humble, else ../shared/ros2 (whose install.sh puts it in
 * /opt/ros/humble). Every process that starts DDS runs inside a loopback-only network namespace:
 * ../shared/ros2/rosns where it exists, else the same made here with `unshare -n`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface RosEnvironment {
  /** A bash line that makes the ROS environment (and DDS on loopback) in the current shell. */
  readonly setup: string;
  /** Argv prefix that runs a command in a loopback-only network namespace with `setup` applied. */
  readonly namespacePrefix: readonly string[];
  /** Where ROS came from, for the log. */
  readonly source: string;
}

/** The checkout: dist/test-ros -> .. -> .. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const SHARED_ROS = path.resolve(REPO_ROOT, "..", "shared", "ros2");
const OWN_CYCLONE_CONFIG = path.join(REPO_ROOT, "test-ros", "helpers", "cyclonedds.xml");

function canUnshare(): boolean {
  const probe = spawnSync("unshare", ["-n", "true"], { stdio: "ignore" });
  return probe.status === 0;
}

/** The DDS settings the namespace needs: Cyclone on loopback, without multicast. */
function loopbackDds(): string {
  return (
    "export RMW_IMPLEMENTATION=${RMW_IMPLEMENTATION:-rmw_cyclonedds_cpp} ROS_LOCALHOST_ONLY=1 " +
    `CYCLONEDDS_URI=\${CYCLONEDDS_URI:-file://${OWN_CYCLONE_CONFIG}}`
  );
}

/** ROS 2 for the real-graph tests, or a reason there is none. */
export function findRos(): RosEnvironment | { reason: string } {
  const sharedNs = path.join(SHARED_ROS, "rosns");
  const sharedEnv = path.join(SHARED_ROS, "env.sh");
  if (!canUnshare())
    return { reason: "cannot create a network namespace (unshare -n) to keep DDS on loopback" };
  const ownNamespace = (setup: string): string[] => [
    "unshare",
    "-n",
    "bash",
    "-c",
    `ip link set lo up && ${setup} && exec "$@"`,
    "rosns",
  ];
  const sourced = process.env.ROS_DISTRO !== undefined && process.env.AMENT_PREFIX_PATH !== undefined;
  if (sourced) {
    const setup = loopbackDds();
    return {
      setup,
      namespacePrefix: ownNamespace(setup),
      source: `the sourced ROS 2 ${process.env.ROS_DISTRO}`,
    };
  }
  if (fs.existsSync(sharedNs) && fs.existsSync(sharedEnv) && fs.existsSync("/opt/ros/humble/setup.bash")) {
    return {
      setup: `source ${sharedEnv}`,
      namespacePrefix: [sharedNs],
      source: `${SHARED_ROS} (/opt/ros/humble)`,
    };
  }
  if (fs.existsSync("/opt/ros/humble/setup.bash")) {
    const setup = `set +u && source /opt/ros/humble/setup.bash && ${loopbackDds()}`;
    return { setup, namespacePrefix: ownNamespace(setup), source: "/opt/ros/humble" };
  }
  if (fs.existsSync(sharedNs)) {
    return {
      reason: `${SHARED_ROS} is there but not installed: run bash ${path.join(SHARED_ROS, "install.sh")}`,
    };
  }
  return { reason: "no ROS 2 sourced, none in /opt/ros/humble, no ../shared/ros2" };
}
