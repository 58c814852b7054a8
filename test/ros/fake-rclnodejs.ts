/**
 * A fake of rclnodejs 2.2.0 with the exact call shapes of ros-api.ts, for driving the node end to
 * end without ROS 2. It mirrors the library's behaviour where the node depends on it: `~/` topics
 * resolve under the node's name, integer parameters are bigint, overrides replace defaults at
 * declaration, read-only and descriptor ranges veto `setParameters`, on-set callbacks may veto and
 * post-set callbacks run after storing, timers fire on (sinon-fakeable) setInterval.
 */
import sinon from "sinon";
import type {
  PubSubOptions,
  RclApi,
  RosLogger,
  RosNode,
  RosParameter,
  RosParameterDescriptor,
  RosPublisher,
  RosQoS,
  RosRange,
  RosSubscription,
  RosTime,
  RosTimer,
  SetParametersResult,
  TimeMsg,
} from "../../src/ros/ros-api";
import { createSerializer } from "../../src/bag/serializer-factory";

export const ParameterType = {
  PARAMETER_NOT_SET: 0,
  PARAMETER_BOOL: 1,
  PARAMETER_INTEGER: 2,
  PARAMETER_DOUBLE: 3,
  PARAMETER_STRING: 4,
  PARAMETER_BYTE_ARRAY: 5,
  PARAMETER_BOOL_ARRAY: 6,
  PARAMETER_INTEGER_ARRAY: 7,
  PARAMETER_DOUBLE_ARRAY: 8,
  PARAMETER_STRING_ARRAY: 9,
} as const;

export class FakeQoS implements RosQoS {
  static readonly HistoryPolicy = {
    RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_HISTORY_KEEP_LAST: 1,
    RMW_QOS_POLICY_HISTORY_KEEP_ALL: 2,
  };
  static readonly ReliabilityPolicy = {
    RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_RELIABILITY_RELIABLE: 1,
    RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: 2,
  };
  static readonly DurabilityPolicy = {
    RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: 1,
    RMW_QOS_POLICY_DURABILITY_VOLATILE: 2,
  };
  readonly history: number;
  readonly depth: number;
  readonly reliability: number;
  readonly durability: number;

  constructor(history = 0, depth = 0, reliability = 0, durability = 0) {
    this.history = history;
    this.depth = depth;
    this.reliability = reliability;
    this.durability = durability;
  }
}

function validValue(type: number, value: unknown): boolean {
  switch (type) {
    case ParameterType.PARAMETER_BOOL:
      return typeof value === "boolean";
    case ParameterType.PARAMETER_INTEGER:
      return typeof value === "bigint";
    case ParameterType.PARAMETER_DOUBLE:
      return typeof value === "number";
    case ParameterType.PARAMETER_STRING:
      return typeof value === "string";
    case ParameterType.PARAMETER_STRING_ARRAY:
      return Array.isArray(value) && value.every((item) => typeof item === "string");
    default:
      return false;
  }
}

/** rclnodejs.Parameter: converts integers to bigint and validates the value against the type. */
export class FakeParameter implements RosParameter {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;

  constructor(name: string, type: number, value?: unknown) {
    this.name = name;
    this.type = type;
    this.value =
      type === ParameterType.PARAMETER_INTEGER && typeof value === "number" ? BigInt(value) : value;
    if (!validValue(type, this.value)) throw new TypeError(`Invalid value for parameter ${name}`);
  }
}

export class FakeFloatingPointRange implements RosRange {
  readonly fromValue: number;
  readonly toValue: number;
  readonly step: number;
  constructor(from: number, to: number, step = 1) {
    this.fromValue = from;
    this.toValue = to;
    this.step = step;
  }
}

export class FakeIntegerRange implements RosRange {
  readonly fromValue: bigint;
  readonly toValue: bigint;
  readonly step: bigint;
  constructor(from: bigint, to: bigint, step = 1n) {
    this.fromValue = from;
    this.toValue = to;
    this.step = step;
  }
}

export class FakeParameterDescriptor implements RosParameterDescriptor {
  readonly name: string;
  readonly type: number;
  readonly description: string;
  readonly readOnly: boolean;
  readonly range: RosRange | undefined;
  additionalConstraints = "";

  constructor(
    name: string,
    type: number,
    description = "no description",
    readOnly = false,
    range?: RosRange,
  ) {
    this.name = name;
    this.type = type;
    this.description = description;
    this.readOnly = readOnly;
    this.range = range;
  }
}

export class FakePublisher implements RosPublisher {
  readonly typeClass: string;
  readonly topic: string;
  readonly options: PubSubOptions | undefined;
  readonly messages: object[] = [];
  /** Per message: whether it came serialised (a Buffer). */
  readonly serialised: boolean[] = [];
  destroyed = false;

  constructor(typeClass: string, topic: string, options: PubSubOptions | undefined) {
    this.typeClass = typeClass;
    this.topic = topic;
    this.options = options;
  }

  publish(message: object): void {
    if (this.destroyed) throw new Error(`publish on destroyed publisher ${this.topic}`);
    // rclnodejs publishes a Buffer as the serialised message (publishRawMessage); what a
    // subscriber gets is its decoding. Every other message it serialises inside publish(); a copy
    // keeps what was sent as it was sent (the node renders the next batch into the same buffers).
    this.serialised.push(Buffer.isBuffer(message));
    this.messages.push(
      Buffer.isBuffer(message)
        ? FakePublisher.#serializer.decode<object>(this.typeClass, Uint8Array.from(message))
        : structuredClone(message),
    );
  }

  static readonly #serializer = createSerializer();
}

export class FakeSubscription implements RosSubscription {
  readonly typeClass: string;
  readonly topic: string;
  readonly options: PubSubOptions;
  readonly callback: (message: unknown) => void;
  destroyed = false;

  constructor(
    typeClass: string,
    topic: string,
    options: PubSubOptions,
    callback: (message: unknown) => void,
  ) {
    this.typeClass = typeClass;
    this.topic = topic;
    this.options = options;
    this.callback = callback;
  }

  /** What the executor does when a message arrives. */
  deliver(message: unknown): void {
    if (!this.destroyed) this.callback(message);
  }
}

export class FakeTimer implements RosTimer {
  readonly periodNs: bigint;
  #handle: ReturnType<typeof setInterval> | undefined;

  constructor(periodNs: bigint, callback: () => void) {
    this.periodNs = periodNs;
    this.#handle = setInterval(callback, Number(periodNs / 1_000_000n));
  }

  cancel(): void {
    if (this.#handle !== undefined) clearInterval(this.#handle);
    this.#handle = undefined;
  }

  isCanceled(): boolean {
    return this.#handle === undefined;
  }
}

export function fakeLogger(): RosLogger & {
  debug: sinon.SinonStub;
  info: sinon.SinonStub;
  warn: sinon.SinonStub;
  error: sinon.SinonStub;
  fatal: sinon.SinonStub;
} {
  return {
    debug: sinon.stub().returns(true),
    info: sinon.stub().returns(true),
    warn: sinon.stub().returns(true),
    error: sinon.stub().returns(true),
    fatal: sinon.stub().returns(true),
  };
}

type OnSet = (parameters: RosParameter[]) => SetParametersResult;
type PostSet = (parameters: RosParameter[]) => void;

export class FakeNode implements RosNode {
  readonly #name: string;
  readonly #namespace: string;
  readonly logger = fakeLogger();
  readonly publishers: FakePublisher[] = [];
  readonly subscriptions: FakeSubscription[] = [];
  readonly timers: FakeTimer[] = [];
  readonly parameters = new Map<string, RosParameter>();
  readonly descriptors = new Map<string, FakeParameterDescriptor>();
  readonly overrides: RosParameter[];
  readonly onSetCallbacks: OnSet[] = [];
  readonly postSetCallbacks: PostSet[] = [];
  /** Subscriber counts by resolved topic; `defaultSubscriberCount` when absent. */
  readonly subscriberCounts = new Map<string, number>();
  defaultSubscriberCount = 0;
  clock: TimeMsg = { sec: 100, nanosec: 0 };
  spinning = false;
  destroyed = false;

  constructor(name: string, namespace = "", overrides: RosParameter[] = []) {
    this.#name = name;
    this.#namespace = namespace === "" ? "/" : namespace;
    this.overrides = overrides;
  }

  name(): string {
    return this.#name;
  }

  namespace(): string {
    return this.#namespace;
  }

  getLogger(): RosLogger {
    return this.logger;
  }

  now(): RosTime {
    const clock = { ...this.clock };
    return { toMsg: () => clock };
  }

  /** rcl's name expansion: `~/x` under the node, relative names under the namespace. */
  resolve(topic: string): string {
    const base = this.#namespace === "/" ? "" : this.#namespace;
    if (topic.startsWith("~/")) return `${base}/${this.#name}/${topic.slice(2)}`;
    if (topic.startsWith("/")) return topic;
    return `${base}/${topic}`;
  }

  createPublisher(typeClass: string, topic: string, options?: PubSubOptions): RosPublisher {
    this.#alive();
    const publisher = new FakePublisher(typeClass, this.resolve(topic), options);
    this.publishers.push(publisher);
    return publisher;
  }

  createSubscription(
    typeClass: string,
    topic: string,
    options: PubSubOptions,
    callback: (message: unknown) => void,
  ): RosSubscription {
    this.#alive();
    const subscription = new FakeSubscription(typeClass, this.resolve(topic), options, callback);
    this.subscriptions.push(subscription);
    return subscription;
  }

  createTimer(period: bigint, callback: () => void): RosTimer {
    this.#alive();
    if (typeof period !== "bigint") throw new TypeError("period must be a bigint (nanoseconds)");
    const timer = new FakeTimer(period, callback);
    this.timers.push(timer);
    return timer;
  }

  declareParameter(
    parameter: RosParameter,
    descriptor?: RosParameterDescriptor,
    ignoreOverride = false,
  ): RosParameter {
    if (this.parameters.has(parameter.name))
      throw new Error(`Parameter(${parameter.name}) already declared.`);
    const override = ignoreOverride
      ? undefined
      : this.overrides.find((candidate) => candidate.name === parameter.name);
    const chosen = override ?? parameter;
    const fakeDescriptor =
      descriptor instanceof FakeParameterDescriptor
        ? descriptor
        : new FakeParameterDescriptor(chosen.name, chosen.type);
    this.descriptors.set(chosen.name, fakeDescriptor);
    const result = this.#set([chosen], true);
    if (!result.successful) {
      this.descriptors.delete(chosen.name);
      throw new Error(result.reason);
    }
    return this.getParameter(chosen.name);
  }

  getParameter(name: string): RosParameter {
    return this.parameters.get(name) ?? new FakeParameter(name, ParameterType.PARAMETER_NOT_SET, undefined);
  }

  getParameterOverrides(): RosParameter[] {
    return [...this.overrides];
  }

  /** What `ros2 param set` reaches: Node.setParameters in rclnodejs. */
  setParameters(parameters: RosParameter[]): SetParametersResult[] {
    return parameters.map((parameter) => this.#set([parameter], false));
  }

  addOnSetParametersCallback(callback: OnSet): void {
    this.onSetCallbacks.unshift(callback);
  }

  removeOnSetParametersCallback(callback: OnSet): void {
    const index = this.onSetCallbacks.indexOf(callback);
    if (index >= 0) this.onSetCallbacks.splice(index, 1);
  }

  addPostSetParametersCallback(callback: PostSet): void {
    this.postSetCallbacks.push(callback);
  }

  removePostSetParametersCallback(callback: PostSet): void {
    const index = this.postSetCallbacks.indexOf(callback);
    if (index >= 0) this.postSetCallbacks.splice(index, 1);
  }

  countSubscribers(topic: string): number {
    return this.subscriberCounts.get(this.resolve(topic)) ?? this.defaultSubscriberCount;
  }

  destroyPublisher(publisher: RosPublisher): void {
    if (publisher instanceof FakePublisher) publisher.destroyed = true;
  }

  destroySubscription(subscription: RosSubscription): void {
    if (subscription instanceof FakeSubscription) subscription.destroyed = true;
  }

  destroyTimer(timer: RosTimer): void {
    timer.cancel();
  }

  spin(): void {
    if (this.spinning) throw new Error("The node is already spinning.");
    this.spinning = true;
  }

  destroy(): void {
    for (const timer of this.timers) timer.cancel();
    this.spinning = false;
    this.destroyed = true;
  }

  // --- test helpers ---

  publisher(topic: string): FakePublisher {
    const found = this.publishers.find((publisher) => publisher.topic === this.resolve(topic));
    if (found === undefined)
      throw new Error(`no publisher on ${topic}; have ${this.publishers.map((p) => p.topic).join(", ")}`);
    return found;
  }

  subscription(topic: string): FakeSubscription {
    const found = this.subscriptions.find((subscription) => subscription.topic === this.resolve(topic));
    if (found === undefined) throw new Error(`no subscription on ${topic}`);
    return found;
  }

  #alive(): void {
    if (this.destroyed) throw new Error("node is destroyed");
  }

  #set(parameters: RosParameter[], declaring: boolean): SetParametersResult {
    for (const parameter of parameters) {
      const descriptor = this.descriptors.get(parameter.name);
      if (descriptor === undefined)
        return { successful: false, reason: `Parameter ${parameter.name} has not been declared` };
      if (!declaring && descriptor.readOnly)
        return { successful: false, reason: `Parameter ${parameter.name} is readonly` };
      if (descriptor.type !== parameter.type) {
        return { successful: false, reason: `Parameter ${parameter.name} does not  readonly` };
      }
      const range = descriptor.range;
      const value = parameter.value;
      if (range !== undefined && (typeof value === "number" || typeof value === "bigint")) {
        if (value < range.fromValue || value > range.toValue) {
          return { successful: false, reason: `Parameter ${parameter.name} does not  readonly` };
        }
      }
    }
    for (const callback of this.onSetCallbacks) {
      const result = callback(parameters);
      if (!result.successful) return result;
    }
    for (const parameter of parameters) this.parameters.set(parameter.name, parameter);
    for (const callback of this.postSetCallbacks) callback(parameters);
    return { successful: true, reason: "" };
  }
}

export interface FakeRclOptions {
  /** Parameter overrides, as from --params-file. */
  readonly overrides?: RosParameter[];
  /** Message types rclnodejs has generated code for. */
  readonly generatedTypes?: readonly string[];
  /** Types regenerateAll() adds (the package's own, after colcon build). */
  readonly typesAfterRegenerate?: readonly string[];
  /** Makes init() reject. */
  readonly initError?: Error;
}

export const STANDARD_TYPES: readonly string[] = [
  "sensor_msgs/msg/Image",
  "sensor_msgs/msg/CompressedImage",
  "std_msgs/msg/Float32",
  "diagnostic_msgs/msg/DiagnosticArray",
];
export const OWN_TYPES: readonly string[] = [
  "visualbackprop/msg/SteeringCommand",
  "visualbackprop/msg/Saliency",
  "visualbackprop/msg/SaliencyComparison",
];

export interface FakeRcl extends RclApi {
  readonly nodes: FakeNode[];
  readonly generated: Set<string>;
  readonly init: sinon.SinonSpy<[], Promise<void>>;
  readonly shutdown: sinon.SinonSpy<[], void>;
  readonly removeSignalHandlers: sinon.SinonSpy<[], void>;
  readonly regenerateAll: sinon.SinonSpy<[], Promise<void>>;
}

/** A fresh fake rclnodejs module; `nodes` collects every Node it constructs. */
export function createFakeRcl(options: FakeRclOptions = {}): FakeRcl {
  const nodes: FakeNode[] = [];
  const generated = new Set(options.generatedTypes ?? [...STANDARD_TYPES, ...OWN_TYPES]);
  const overrides = options.overrides ?? [];
  let shutDown = false;
  class Node extends FakeNode {
    constructor(name: string, namespace?: string) {
      super(name, namespace, overrides);
      nodes.push(this);
    }
  }
  return {
    nodes,
    generated,
    init: sinon.spy(async () => {
      if (options.initError !== undefined) throw options.initError;
    }),
    shutdown: sinon.spy(() => {
      for (const node of nodes) node.destroy();
      shutDown = true;
    }),
    isShutdown: () => shutDown,
    removeSignalHandlers: sinon.spy(() => undefined),
    regenerateAll: sinon.spy(async () => {
      for (const type of options.typesAfterRegenerate ?? []) generated.add(type);
    }),
    require: (name: string) => {
      if (!generated.has(name)) throw new Error(`The message required does not exist: ${name}`);
      return class GeneratedMessage {};
    },
    Node,
    QoS: FakeQoS,
    Parameter: FakeParameter,
    ParameterDescriptor: FakeParameterDescriptor,
    FloatingPointRange: FakeFloatingPointRange,
    IntegerRange: FakeIntegerRange,
    ParameterType,
  };
}
