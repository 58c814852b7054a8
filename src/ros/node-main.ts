/**
 * The life of the visualbackprop_node process: load rclnodejs, init, start the node, spin, and on
 * SIGINT/SIGTERM let the frame in flight finish, close the topics and exit 0. Any start-up failure
 * is one log line and exit code 1. Dependencies come in as arguments so tests run it on a fake.
 */
import type { EventEmitter } from "node:events";
import type { ImageOps, ModelLoader } from "../frame/model-port.js";
import { NODE_NAME } from "../frame/node-name.js";
import { VisualBackPropNode } from "./node.js";
import type { RclApi, RosNode } from "./ros-api.js";

export { NODE_NAME };

export interface NodeMainDependencies {
  /** rclnodejs, loaded lazily; throws a clear Error when it is not installed. */
  readonly loadRcl: () => RclApi;
  readonly loadModel: ModelLoader;
  readonly imageOps: ImageOps;
  readonly defaultModelPath: string;
  /** Where SIGINT and SIGTERM come from: `process`, or an EventEmitter in tests. */
  readonly signals: EventEmitter;
  /** For messages before a ROS logger exists. */
  readonly writeError: (line: string) => void;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function nextSignal(signals: EventEmitter): Promise<string> {
  return new Promise((resolve) => {
    const handlers = new Map<string, () => void>();
    for (const name of ["SIGINT", "SIGTERM"]) {
      const handler = (): void => {
        for (const [signal, registered] of handlers) signals.removeListener(signal, registered);
        resolve(name);
      };
      handlers.set(name, handler);
      signals.on(name, handler);
    }
  });
}

function shutdownQuietly(rcl: RclApi, node: RosNode | undefined): void {
  try {
    node?.destroy();
  } catch {
    // already destroyed by a failing start: nothing left to close
  }
  if (!rcl.isShutdown()) rcl.shutdown();
}

/** Runs the node until SIGINT/SIGTERM; resolves with the process exit code. */
export async function runNodeMain(dependencies: NodeMainDependencies): Promise<number> {
  let rcl: RclApi;
  try {
    rcl = dependencies.loadRcl();
    await rcl.init();
  } catch (error) {
    dependencies.writeError(`visualbackprop_node: ${errorText(error)}`);
    return 1;
  }
  // rclnodejs's own SIGINT handler would destroy the node under the frame in flight.
  rcl.removeSignalHandlers();
  const stopRequested = nextSignal(dependencies.signals);

  let node: RosNode | undefined;
  let vbp: VisualBackPropNode;
  try {
    node = new rcl.Node(NODE_NAME);
    vbp = await VisualBackPropNode.start(node, {
      rcl,
      loadModel: dependencies.loadModel,
      imageOps: dependencies.imageOps,
      defaultModelPath: dependencies.defaultModelPath,
    });
  } catch (error) {
    const message = `visualbackprop_node: ${errorText(error)}`;
    if (node !== undefined) node.getLogger().fatal(message);
    else dependencies.writeError(message);
    shutdownQuietly(rcl, node);
    return 1;
  }
  node.spin();

  const signal = await stopRequested;
  const logger = node.getLogger();
  logger.info(`${signal}: finishing the frame in flight and shutting down`);
  // A second signal while closing means the user wants out now.
  const forced = nextSignal(dependencies.signals).then((second) => {
    logger.warn(`${second} again: exiting without waiting`);
    return 1;
  });
  const closed = vbp.shutdown().then(
    () => 0,
    (error: unknown) => {
      logger.error(`shutdown: ${errorText(error)}`);
      return 1;
    },
  );
  const code = await Promise.race([closed, forced]);
  shutdownQuietly(rcl, node);
  return code;
}
