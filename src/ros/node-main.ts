/**
 * The life of the visualbackprop_node process: load rclnodejs, init, start the node, spin, and on
 * SIGINT/SIGTERM let the frame in flight finish, close the topics and exit 0 (at once on a second
 * signal, and within 2 s in any case; see stop-signals.ts). Any start-up failure
 * is one log line and exit code 1. Dependencies come in as arguments so tests run it on a fake.
 */
import type { EventEmitter } from "node:events";
import type { DdsTuning } from "./dds-receive-buffer";
import type { ImageOps, ModelLoader } from "../frame/model-port";
import { NODE_NAME } from "../frame/node-name";
import { VisualBackPropNode } from "./node";
import { nodeOptions } from "./rclnodejs-adapter";
import { StopSignals } from "./stop-signals";
import type { RclApi, RosNode } from "./ros-api";
import { errorText } from "../error-text";

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
  /**
   * Adjusts the DDS configuration in the environment before rcl starts DDS, and says what it did
   * (logged once the node's logger exists); nothing by default.
   */
  readonly prepareDds?: () => DdsTuning;
  /** Longest wait for the frame in flight and the close after a stop signal; 1500 ms by default. */
  readonly shutdownTimeoutMs?: number;
}

/** A frame takes tens of milliseconds: the process ends within 2 s of Ctrl-C or SIGTERM. */
const SHUTDOWN_TIMEOUT_MS = 1500;

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
  const shutdownTimeoutMs = dependencies.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  let rcl: RclApi;
  let dds: DdsTuning;
  try {
    rcl = dependencies.loadRcl();
    dds = dependencies.prepareDds?.() ?? {};
    await rcl.init();
  } catch (error) {
    dependencies.writeError(`visualbackprop_node: ${errorText(error)}`);
    return 1;
  }
  // rclnodejs's own SIGINT handler would destroy the node under the frame in flight.
  rcl.removeSignalHandlers();
  const stop = new StopSignals(dependencies.signals);

  let node: RosNode | undefined;
  let vbp: VisualBackPropNode;
  try {
    node = new rcl.Node(NODE_NAME, "", undefined, nodeOptions());
    if (dds.info !== undefined) node.getLogger().info(dds.info);
    if (dds.warning !== undefined) node.getLogger().warn(dds.warning);
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
    stop.dispose();
    return 1;
  }
  node.spin();

  const signal = await stop.requested;
  const logger = node.getLogger();
  logger.info(`${signal}: finishing the frame in flight and shutting down`);
  // A second Ctrl-C, or SIGTERM after Ctrl-C, means the user wants out now; so does a close that
  // takes longer than any frame should. Either is a stop the user asked for: exit code 0.
  const forced = stop.forced.then((second) => {
    logger.warn(`${second}: exiting without waiting for the frame in flight`);
    return 0;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overdue = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      logger.warn(`shutdown took over ${shutdownTimeoutMs} ms: exiting without waiting`);
      resolve(0);
    }, shutdownTimeoutMs);
  });
  const closed = vbp.shutdown().then(
    () => 0,
    (error: unknown) => {
      logger.error(`shutdown: ${errorText(error)}`);
      return 1;
    },
  );
  const code = await Promise.race([closed, forced, overdue]);
  clearTimeout(timer);
  shutdownQuietly(rcl, node);
  stop.dispose();
  return code;
}
