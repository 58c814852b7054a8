/**
 * The synthetic_camera process: init rclnodejs, publish until SIGINT/SIGTERM, exit 0; a start-up
 * failure is one line and exit code 1. bin/synthetic_camera runs this file.
 */
import type { EventEmitter } from "node:events";
import { loadRclnodejs } from "./rclnodejs-adapter.js";
import type { RclApi, RosNode } from "./ros-api.js";
import { SyntheticCamera } from "./synthetic-camera.js";

export interface SyntheticCameraMainDependencies {
  readonly loadRcl: () => RclApi;
  readonly signals: EventEmitter;
  readonly writeError: (line: string) => void;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
    node = new rcl.Node("synthetic_camera");
    camera = SyntheticCamera.start(rcl, node);
  } catch (error) {
    const message = `synthetic_camera: ${errorText(error)}`;
    if (node !== undefined) node.getLogger().fatal(message);
    else dependencies.writeError(message);
    if (!rcl.isShutdown()) rcl.shutdown();
    return 1;
  }
  node.spin();
  await new Promise<void>((resolve) => {
    dependencies.signals.once("SIGINT", resolve);
    dependencies.signals.once("SIGTERM", resolve);
  });
  camera.stop();
  node.getLogger().info(`published ${camera.published} frames; shutting down`);
  if (!rcl.isShutdown()) rcl.shutdown();
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
