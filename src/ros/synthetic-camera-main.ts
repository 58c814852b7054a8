/**
 * The synthetic_camera process: init rclnodejs, publish until SIGINT/SIGTERM, exit 0; a start-up
 * failure is one line and exit code 1. bin/synthetic_camera runs this file.
 */
import type { EventEmitter } from "node:events";
import { loadRclnodejs, nodeOptions } from "./rclnodejs-adapter";
import type { RclApi, RosNode } from "./ros-api";
import { StopSignals } from "./stop-signals";
import { SyntheticCamera } from "./synthetic-camera";
import { errorText } from "../error-text";

export interface SyntheticCameraMainDependencies {
  readonly loadRcl: () => RclApi;
  readonly signals: EventEmitter;
  readonly writeError: (line: string) => void;
}

export async function runSyntheticCameraMain(dependencies: SyntheticCameraMainDependencies): Promise<number> {
  let rcl: RclApi;
  try {
    rcl = dependencies.loadRcl();
    await rcl.init();
  } catch (error) {
    dependencies.writeError(`synthetic_camera: ${errorText(error)}`);
    return 1;
  }
  rcl.removeSignalHandlers();
  let node: RosNode | undefined;
  let camera: SyntheticCamera;
  try {
    node = new rcl.Node("synthetic_camera", "", undefined, nodeOptions());
    camera = SyntheticCamera.start(rcl, node);
  } catch (error) {
    const message = `synthetic_camera: ${errorText(error)}`;
    if (node !== undefined) node.getLogger().fatal(message);
    else dependencies.writeError(message);
    if (!rcl.isShutdown()) rcl.shutdown();
    return 1;
  }
  node.spin();
  // Listening until the end: under ros2 launch a Ctrl-C arrives twice (terminal and launch), and a
  // repeat without a listener would kill the process with the signal.
  const stop = new StopSignals(dependencies.signals);
  await stop.requested;
  camera.stop();
  node.getLogger().info(`published ${camera.published} frames; shutting down`);
  if (!rcl.isShutdown()) rcl.shutdown();
  stop.dispose();
  return 0;
}

/** Runs the camera in this process until SIGINT/SIGTERM, then exits with its code. */
export function main(): void {
  void runSyntheticCameraMain({
    loadRcl: () => loadRclnodejs(),
    signals: process,
    writeError: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => process.exit(code));
}

if (require.main === module) main();
