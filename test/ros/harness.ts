/**
 * Starts visualbackprop_node on the fake rclnodejs with a stub engine under sinon fake timers,
 * and offers the few moves tests make: deliver a camera message, advance time, read what was
 * published.
 */
import type { MainThreadDelaySource } from "../../src/ros/main-thread-delay";
import sinon from "sinon";
import type {
  ImageMsg,
  SaliencyMsg,
  SteeringCommandMsg,
  DiagnosticArrayMsg,
} from "../../src/frame/message-types";
import type { LoadedModel, ModelLoader } from "../../src/frame/model-port";
import { VisualBackPropNode } from "../../src/ros/node";
import { findParameterDefinition, type ParameterValue } from "../../src/ros/parameters";
import type { RosParameter } from "../../src/ros/ros-api";
import { createFakeRcl, type FakeNode, FakeParameter, type FakeRcl, ParameterType } from "./fake-rclnodejs";
import { STUB_IMAGE_OPS, StubEngine, stubLoader, stubModel } from "./stubs";

/** A parameter override as `--params-file` gives it, typed from the node's parameter table. */
export function override(name: string, value: ParameterValue): RosParameter {
  const definition = findParameterDefinition(name);
  if (definition === undefined) throw new Error(`unknown parameter ${name}`);
  const type = {
    bool: ParameterType.PARAMETER_BOOL,
    integer: ParameterType.PARAMETER_INTEGER,
    double: ParameterType.PARAMETER_DOUBLE,
    string: ParameterType.PARAMETER_STRING,
    string_array: ParameterType.PARAMETER_STRING_ARRAY,
  }[definition.kind];
  return new FakeParameter(name, type, Array.isArray(value) ? [...value] : value);
}

export function overrides(values: Record<string, ParameterValue>): RosParameter[] {
  return Object.entries(values).map(([name, value]) => override(name, value));
}

export interface Harness {
  readonly rcl: FakeRcl;
  readonly node: FakeNode;
  readonly vbp: VisualBackPropNode;
  readonly engine: StubEngine;
  readonly clock: sinon.SinonFakeTimers;
  /** Delivers a message on a camera topic, as the executor would. */
  deliver(topic: string, message: unknown): void;
  /** Advances fake time and lets promises settle. */
  tick(ms: number): Promise<void>;
  /** Waits (real event-loop turns) until `condition` holds, for work off the JS thread (sharp). */
  waitFor(condition: () => boolean): Promise<void>;
  images(topic: string): ImageMsg[];
  steering(topic: string): SteeringCommandMsg[];
  saliency(topic: string): SaliencyMsg[];
  diagnostics(): DiagnosticArrayMsg[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** The main thread's delay source (default: Node's event-loop delay, in real time). */
  readonly mainThreadDelay?: MainThreadDelaySource;
  /** The start-up warm-up (off by default: most tests count engine runs from the first frame). */
  readonly warmUp?: boolean;
  readonly parameters?: Record<string, ParameterValue>;
  readonly engine?: StubEngine;
  readonly model?: LoadedModel;
  /** Subscribers on every output topic (default 1: every output is rendered). */
  readonly subscribers?: number;
  /** What the loader hands out for the compare_model parameter's path. */
  readonly compareModel?: LoadedModel;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = sinon.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
  const rcl = createFakeRcl({ overrides: overrides(options.parameters ?? {}) });
  const node = new rcl.Node("visualbackprop");
  const fakeNode = rcl.nodes[0];
  fakeNode.defaultSubscriberCount = options.subscribers ?? 1;
  const engine = options.engine ?? new StubEngine();
  let vbp: VisualBackPropNode;
  try {
    vbp = await VisualBackPropNode.start(node, {
      rcl,
      loadModel: compareLoader(
        stubLoader(options.model ?? stubModel(engine)),
        options.parameters?.compare_model,
        options.compareModel,
      ),
      imageOps: STUB_IMAGE_OPS,
      defaultModelPath: "/opt/models/default.onnx",
      nowMs: () => clock.now,
      mainThreadDelay: options.mainThreadDelay,
      warmUp: options.warmUp ?? false,
    });
  } catch (error) {
    clock.restore();
    throw error;
  }
  const messages = <T>(topic: string): T[] => fakeNode.publisher(topic).messages as T[];
  return {
    rcl,
    node: fakeNode,
    vbp,
    engine,
    clock,
    deliver: (topic, message) => fakeNode.subscription(topic).deliver(message),
    tick: async (ms) => {
      await clock.tickAsync(ms);
    },
    waitFor: async (condition) => {
      for (let turn = 0; turn < 20000 && !condition(); turn++) {
        await new Promise((resolve) => setImmediate(resolve));
        await clock.tickAsync(0);
      }
      if (!condition()) throw new Error("condition never held");
    },
    images: (topic) => messages<ImageMsg>(topic),
    steering: (topic) => messages<SteeringCommandMsg>(topic),
    saliency: (topic) => messages<SaliencyMsg>(topic),
    diagnostics: () => messages<DiagnosticArrayMsg>("/diagnostics"),
    stop: async () => {
      try {
        const closing = vbp.shutdown();
        await clock.tickAsync(10_000);
        await closing;
      } finally {
        clock.restore();
      }
    },
  };
}

/** `main` for every path but compare_model's, which gets `compare` (or a failure without one). */
function compareLoader(
  main: ModelLoader,
  comparePath: ParameterValue | undefined,
  compare?: LoadedModel,
): ModelLoader {
  return async (request) => {
    if (comparePath === undefined || comparePath === "" || request.modelPath !== comparePath)
      return main(request);
    if (compare === undefined) throw new Error(`model '${request.modelPath}' does not exist`);
    return compare;
  };
}

/** The value of `key` in the status whose name ends with `suffix`. */
export function statusValue(array: DiagnosticArrayMsg, suffix: string, key: string): string | undefined {
  const status = array.status.find((entry) => entry.name.endsWith(suffix));
  return status?.values.find((entry) => entry.key === key)?.value;
}

export function status(array: DiagnosticArrayMsg, suffix: string): DiagnosticArrayMsg["status"][number] {
  const found = array.status.find((entry) => entry.name.endsWith(suffix));
  if (found === undefined)
    throw new Error(`no status ending in ${suffix}: ${array.status.map((s) => s.name).join(", ")}`);
  return found;
}
