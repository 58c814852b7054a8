/**
 * visualbackprop_node: camera topics in; per camera a saliency mask, an overlay, a steering command
 * and a Saliency message out; /diagnostics once a second. Wires parameters, topics, the frame
 * pipeline and the engine on an rclnodejs node given from outside (the real one or a test fake).
 */
import { asyncScheduler, interval, type SchedulerLike, Subject, type Subscription } from "rxjs";
import { BatchProcessor, type CameraPublishers, type ReceivedFrame } from "./batch-processor";
import {
  type CameraSource,
  COMPARE_OUTPUTS,
  compareOutputTopics,
  outputTopics,
  resolveCameras,
} from "../frame/cameras";
import { ComparisonStatistics } from "./comparison-diagnostics";
import { CompareProcessor, type ComparePublishers } from "./compare-processor";
import { NodeDiagnostics } from "./diagnostics";
import { EventLoopDelay, type MainThreadDelaySource } from "./main-thread-delay";
import { ensureMessageTypes } from "./message-availability";
import { toCompressedImageMsg, toImageMsg } from "./message-guards";
import { MessageTypes } from "../frame/message-types";
import { buildDiagnosticArray } from "../frame/messages";
import type { ImageOps, LoadedModel, ModelLoader, ModelRequest } from "../frame/model-port";
import { RuntimeParameters } from "./parameter-updates";
import { declareNodeParameters, type NodeSettings } from "./parameters";
import { type FrameArrival, latestFrameBatches } from "./pipeline";
import { createQos, DIAGNOSTICS_QOS } from "./qos";
import type { RclApi, RosNode, RosPublisher, RosQoS, RosSubscription } from "./ros-api";
import { ThrottledLog } from "./throttled-log";
import { warmUpFramePath } from "../frame/warm-up";
import { createSerializer } from "../bag/serializer-factory";
import { errorText } from "../error-text";

/** What the node is built from; tests pass fakes and stubs for every entry. */
export interface NodeDependencies {
  readonly rcl: RclApi;
  readonly loadModel: ModelLoader;
  readonly imageOps: ImageOps;
  /** Used when the `model` parameter is empty. */
  readonly defaultModelPath: string;
  /** Monotonic milliseconds for latencies and throttling; performance.now by default. */
  readonly nowMs?: () => number;
  /** RxJS scheduler of the pipeline's timers; asyncScheduler by default. */
  readonly scheduler?: SchedulerLike;
  /** The main thread's delay in /diagnostics; Node's event-loop delay histogram by default. */
  readonly mainThreadDelay?: MainThreadDelaySource;
  /**
   * Whether the frame path runs once per batch size before the node subscribes (default true);
   * tests that count engine runs from the first frame turn it off.
   */
  readonly warmUp?: boolean;
}

/** A start-up failure: one message that says what to fix, for a non-zero exit. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StartupError";
  }
}

/**
 * /diagnostics goes out once a second of the steady clock, not of ROS time: under `use_sim_time`
 * an rcl timer waits for /clock, which rclnodejs 2.2.0 does not wake on, so the node went silent
 * exactly when a user replays a bag to debug it. The message's stamp is still ROS time.
 */
const DIAGNOSTICS_PERIOD_MS = 1000;
const LOG_THROTTLE_MS = 5000;

function fullyQualifiedName(node: RosNode): string {
  const namespace = node.namespace();
  return namespace === "/" || namespace === "" ? `/${node.name()}` : `${namespace}/${node.name()}`;
}

export class VisualBackPropNode {
  readonly #node: RosNode;
  readonly #model: LoadedModel;
  /** compare_model, loaded; undefined without one. */
  readonly #compare: LoadedModel | undefined;
  readonly #comparePublishers: ComparePublishers[] = [];
  readonly #cameras: readonly CameraSource[];
  /** The camera topics as given (before remapping), in camera order. */
  readonly #topics: readonly string[];
  readonly #settings: NodeSettings;
  readonly #runtime: RuntimeParameters;
  readonly #diagnostics: NodeDiagnostics;
  readonly #nowMs: () => number;
  readonly #log: ThrottledLog;
  readonly #arrivals = new Subject<FrameArrival<ReceivedFrame>>();
  readonly #publishers: CameraPublishers[] = [];
  readonly #subscriptions: RosSubscription[] = [];
  #diagnosticsPublisher: RosPublisher | undefined;
  #diagnosticsTimer: Subscription | undefined;
  /** The main thread's event-loop delay over each /diagnostics window (main_thread_delay_*). */
  #loopDelay: MainThreadDelaySource | undefined;
  #pipeline: Subscription | undefined;
  #drained: Promise<void> = Promise.resolve();
  #closing = false;
  #closed: Promise<void> | undefined;
  /** Draws the mask and overlay into serialised messages, which the node publishes as they are. */
  readonly #serializer = createSerializer();

  private constructor(
    node: RosNode,
    model: LoadedModel,
    cameras: readonly CameraSource[],
    topics: readonly string[],
    settings: NodeSettings,
    runtime: RuntimeParameters,
    nowMs: () => number,
    compare: LoadedModel | undefined,
  ) {
    this.#node = node;
    this.#model = model;
    this.#compare = compare;
    this.#cameras = cameras;
    this.#topics = topics;
    this.#settings = settings;
    this.#runtime = runtime;
    this.#nowMs = nowMs;
    this.#log = new ThrottledLog(node.getLogger(), LOG_THROTTLE_MS, nowMs);
    this.#diagnostics = new NodeDiagnostics(
      fullyQualifiedName(node),
      cameras,
      { provider: model.engine.provider, model: model.name },
      nowMs(),
    );
  }

  /**
   * Declares parameters, loads the model, creates topics and starts the pipeline on `node`.
   * Rejects with a StartupError (bad parameter, missing message build, model that will not load)
   * before any topic exists.
   */
  static async start(node: RosNode, dependencies: NodeDependencies): Promise<VisualBackPropNode> {
    const { rcl } = dependencies;
    const nowMs = dependencies.nowMs ?? (() => performance.now());
    const logger = node.getLogger();
    let settings: NodeSettings;
    let cameras: CameraSource[];
    let runtime: RuntimeParameters;
    let topics: string[];
    try {
      const declared = declareNodeParameters(rcl, node);
      settings = declared.settings;
      // Named after the topic each camera really comes from: a remapped /camera/image_raw
      // (`-r /camera/image_raw:=/cameras/front/image_raw`, camera_topic:= in the launch files)
      // is camera "front", as the docs promise.
      // A topic name has no commas: an entry holding several, comma-separated, is split (what
      // launch_xml makes of image_topics:=/a,/b).
      topics = settings.startup.imageTopics.flatMap((entry) =>
        entry.includes(",") ? entry.split(",").map((topic) => topic.trim()) : [entry],
      );
      const resolved = topics.map((topic, index) => {
        try {
          return node.resolveTopicName?.(topic) ?? topic;
        } catch (error) {
          throw new Error(`image_topics[${index}] "${topic}" is not a topic name: ${errorText(error)}`, {
            cause: error,
          });
        }
      });
      cameras = resolveCameras(resolved, settings.startup.cameraNames);
      runtime = new RuntimeParameters(rcl, node, declared.values);
    } catch (error) {
      throw new StartupError(`invalid parameters: ${errorText(error)}`, { cause: error });
    }
    try {
      // SaliencyComparison only with compare_model: a workspace built before it existed still runs.
      const types = Object.values(MessageTypes).filter(
        (type) => type !== MessageTypes.saliencyComparison || settings.startup.compareModel !== "",
      );
      await ensureMessageTypes(rcl, types, logger);
    } catch (error) {
      throw new StartupError(errorText(error), { cause: error });
    }
    const modelPath = settings.startup.model === "" ? dependencies.defaultModelPath : settings.startup.model;
    let model: LoadedModel;
    // Both models with the same method, LRP settings and session settings, so they compare alike.
    const loadRequest = (path: string): ModelRequest => ({
      modelPath: path,
      provider: settings.startup.provider,
      method: settings.startup.method,
      epsilon: settings.startup.lrpEpsilon,
      lrpAt: settings.startup.lrpAt,
      intraOpThreads: settings.startup.intraOpThreads,
      spinWait: false,
      interOpThreads: settings.startup.interOpThreads,
      graphOptimizationLevel: settings.startup.graphOptimizationLevel,
      log: (line) => logger.warn(line),
    });
    try {
      model = await dependencies.loadModel(loadRequest(modelPath));
    } catch (error) {
      throw new StartupError(`cannot load model '${modelPath}': ${errorText(error)}`, { cause: error });
    }
    let compare: LoadedModel | undefined;
    if (settings.startup.compareModel !== "") {
      try {
        compare = await dependencies.loadModel(loadRequest(settings.startup.compareModel));
      } catch (error) {
        await model.engine.release();
        throw new StartupError(
          `cannot load compare_model '${settings.startup.compareModel}': ${errorText(error)}`,
          { cause: error },
        );
      }
    }
    const instance = new VisualBackPropNode(node, model, cameras, topics, settings, runtime, nowMs, compare);
    if (dependencies.warmUp !== false) await instance.#warmUp(dependencies.imageOps);
    instance.#open(rcl, dependencies);
    return instance;
  }

  /** The cameras served, in `image_topics` order. */
  get cameras(): readonly CameraSource[] {
    return this.#cameras;
  }

  get model(): LoadedModel {
    return this.#model;
  }

  /** The compared model (compare_model), when there is one. */
  get compareModel(): LoadedModel | undefined {
    return this.#compare;
  }

  get diagnostics(): NodeDiagnostics {
    return this.#diagnostics;
  }

  /**
   * The frame path run once per batch size before the node subscribes (src/frame/warm-up.ts), for
   * the model and a compare_model. A failure is not fatal: the first frames are only slower, and
   * an engine that keeps failing is reported per batch as ever.
   */
  async #warmUp(imageOps: ImageOps): Promise<void> {
    const runtime = this.#runtime.current;
    const settings = {
      maxBatch: this.#cameras.length,
      geometry: { wheelbaseM: runtime.wheelbaseM, steeringRatio: runtime.steeringRatio },
      colorMap: runtime.colorMap,
      opacity: runtime.overlayOpacity,
    };
    const logger = this.#node.getLogger();
    const models = this.#compare === undefined ? [this.#model] : [this.#model, this.#compare];
    for (const loaded of models) {
      try {
        const report = await warmUpFramePath(loaded, imageOps, this.#serializer, settings, this.#nowMs);
        logger.info(
          `warmed up ${loaded.name} for batches of 1 to ${settings.maxBatch} frames in ${report.ms.toFixed(0)} ms`,
        );
      } catch (error) {
        logger.warn(
          `warming up ${loaded.name} failed, so its first frames will be slower: ${errorText(error)}`,
        );
      }
    }
  }

  #open(rcl: RclApi, dependencies: NodeDependencies): void {
    const node = this.#node;
    const outputQos = createQos(rcl, this.#settings.startup.outputQos);
    for (const camera of this.#cameras) {
      const topics = outputTopics(camera);
      this.#publishers.push({
        name: camera.name,
        mask: node.createPublisher(MessageTypes.image, topics.mask, { qos: outputQos }),
        overlay: node.createPublisher(MessageTypes.image, topics.overlay, { qos: outputQos }),
        steering: node.createPublisher(MessageTypes.steeringCommand, topics.steering, { qos: outputQos }),
        saliency: node.createPublisher(MessageTypes.saliency, topics.saliency, { qos: outputQos }),
      });
    }
    const compare = this.#openComparison(outputQos, dependencies);
    this.#diagnosticsPublisher = node.createPublisher(MessageTypes.diagnosticArray, "/diagnostics", {
      qos: createQos(rcl, DIAGNOSTICS_QOS),
    });

    const processor = new BatchProcessor({
      node,
      model: this.#model,
      imageOps: dependencies.imageOps,
      publishers: this.#publishers,
      diagnostics: this.#diagnostics,
      settings: () => this.#runtime.current,
      log: this.#log,
      nowMs: this.#nowMs,
      compare,
      serializer: this.#serializer,
    });
    this.#drained = new Promise<void>((resolve) => {
      this.#pipeline = this.#arrivals
        .pipe(
          latestFrameBatches<ReceivedFrame, number>({
            cameraCount: this.#cameras.length,
            settings: () => this.#runtime.current,
            process: (batch) => processor.process(batch),
            onDrop: (camera, cause) => this.#diagnostics.cameras[camera].frameDropped(cause),
            onError: (error) => this.#log.error("pipeline", `frame pipeline: ${errorText(error)}`),
            scheduler: dependencies.scheduler,
          }),
        )
        .subscribe({ complete: resolve, error: () => resolve() });
    });

    const inputQos = createQos(rcl, this.#settings.startup.inputQos);
    for (const camera of this.#cameras) {
      this.#subscriptions.push(
        node.createSubscription(
          camera.messageType,
          // The topic as given: rcl applies the remapping rules to it once, as to any name.
          this.#topics[camera.index],
          { qos: inputQos, enableTypedArray: true },
          (message) => this.#receive(camera, message),
        ),
      );
    }
    this.#runtime.attach();
    this.#loopDelay = dependencies.mainThreadDelay ?? new EventLoopDelay();
    this.#loopDelay.start();
    this.#diagnosticsTimer = interval(
      DIAGNOSTICS_PERIOD_MS,
      dependencies.scheduler ?? asyncScheduler,
    ).subscribe(() => this.#publishDiagnostics());

    const provider = this.#model.engine.provider;
    const cameraList = this.#cameras.map((camera) => `${camera.name} <- ${camera.topic}`).join(", ");
    node
      .getLogger()
      .info(`model ${this.#model.name} on ${provider}; cameras: ${cameraList}; outputs under ~/<camera>/`);
  }

  /** compare_model's topics per camera, its /diagnostics status and its processor. */
  #openComparison(outputQos: RosQoS, dependencies: NodeDependencies): CompareProcessor | undefined {
    const compare = this.#compare;
    if (compare === undefined) return undefined;
    const node = this.#node;
    const types: Record<(typeof COMPARE_OUTPUTS)[number], string> = {
      steering: MessageTypes.steeringCommand,
      saliency: MessageTypes.saliency,
      mask: MessageTypes.image,
      overlay: MessageTypes.image,
      comparison: MessageTypes.saliencyComparison,
      diff: MessageTypes.image,
    };
    for (const camera of this.#cameras) {
      const topics = compareOutputTopics(camera);
      const publishers = Object.fromEntries(
        COMPARE_OUTPUTS.map((output) => [
          output,
          node.createPublisher(types[output], topics[output], { qos: outputQos }),
        ]),
      ) as Record<(typeof COMPARE_OUTPUTS)[number], RosPublisher>;
      this.#comparePublishers.push({ name: camera.name, ...publishers });
    }
    const statistics = new ComparisonStatistics(this.#model.name, compare.name);
    this.#diagnostics.comparison = {
      report: (nodeName) =>
        statistics.report(nodeName, {
          steering: this.#runtime.current.compareSteeringThreshold,
          mask: this.#runtime.current.compareMaskThreshold,
        }),
    };
    const processor = new CompareProcessor({
      node,
      model: this.#model,
      compare,
      imageOps: dependencies.imageOps,
      publishers: this.#comparePublishers,
      statistics,
      log: this.#log,
      nowMs: this.#nowMs,
    });
    node
      .getLogger()
      .info(
        `comparing with ${compare.name} (${processor.sharedInput ? "one input for both" : "its own input"}) while someone subscribes to ~/<camera>/compare/`,
      );
    return processor;
  }

  #receive(camera: CameraSource, message: unknown): void {
    if (this.#closing) return;
    const receivedMs = this.#nowMs();
    const statistics = this.#diagnostics.cameras[camera.index];
    statistics.frameReceived(receivedMs);
    let payload: ReceivedFrame;
    try {
      if (camera.compressed) {
        const compressed = toCompressedImageMsg(message);
        payload = {
          header: compressed.header,
          receivedMs,
          image: { kind: "compressed", message: compressed },
        };
      } else {
        const raw = toImageMsg(message);
        payload = { header: raw.header, receivedMs, image: { kind: "raw", message: raw } };
      }
    } catch (error) {
      statistics.badFrame("malformed");
      this.#log.warn(
        `bad-frame-${camera.index}-malformed`,
        `dropping a malformed message from camera ${camera.name}: ${errorText(error)}`,
      );
      return;
    }
    this.#arrivals.next({ camera: camera.index, payload });
  }

  #publishDiagnostics(): void {
    if (this.#diagnosticsPublisher === undefined) return;
    try {
      const statuses = this.#diagnostics.report(
        this.#nowMs(),
        this.#runtime.current.cameraTimeoutS,
        this.#loopDelay?.take(),
      );
      this.#diagnosticsPublisher.publish(buildDiagnosticArray(this.#node.now().toMsg(), statuses));
    } catch (error) {
      this.#log.error("diagnostics", `publishing /diagnostics failed: ${errorText(error)}`);
    }
  }

  /**
   * Stops taking frames, lets the batch in flight finish and publish, then closes every topic and
   * releases the engine. Safe to call more than once.
   */
  shutdown(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    const node = this.#node;
    for (const subscription of this.#subscriptions.splice(0)) node.destroySubscription(subscription);
    this.#arrivals.complete();
    await this.#drained;
    this.#pipeline?.unsubscribe();
    this.#diagnosticsTimer?.unsubscribe();
    this.#diagnosticsTimer = undefined;
    this.#loopDelay?.stop();
    this.#loopDelay = undefined;
    this.#runtime.detach();
    for (const publishers of this.#publishers.splice(0)) {
      for (const publisher of [
        publishers.mask,
        publishers.overlay,
        publishers.steering,
        publishers.saliency,
      ]) {
        node.destroyPublisher(publisher);
      }
    }
    for (const publishers of this.#comparePublishers.splice(0))
      for (const output of COMPARE_OUTPUTS) node.destroyPublisher(publishers[output]);
    if (this.#diagnosticsPublisher !== undefined) node.destroyPublisher(this.#diagnosticsPublisher);
    this.#diagnosticsPublisher = undefined;
    await this.#model.engine.release();
    await this.#compare?.engine.release();
  }
}
