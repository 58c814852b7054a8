/**
 * The part of rclnodejs 2.2.0 this package uses, written down as interfaces with the exact call
 * shapes of the real library. Only `rclnodejs-adapter.ts` loads the real thing; everything else
 * talks to these interfaces, so tests drive the node end to end with a fake of the same shape and
 * no ROS 2 installation.
 *
 * Every member below exists with this signature in rclnodejs 2.2.0 (`types/*.d.ts`, `lib/*.js`).
 */

/** builtin_interfaces/msg/Time as rclnodejs hands it over. */
export interface TimeMsg {
  sec: number;
  nanosec: number;
}

/** rcl_interfaces/msg/SetParametersResult: what an on-set-parameters callback returns. */
export interface SetParametersResult {
  successful: boolean;
  reason: string;
}

/**
 * Numeric ids of rcl_interfaces ParameterType (`rclnodejs.ParameterType`). rclnodejs keeps
 * PARAMETER_INTEGER values as `bigint`.
 */
export interface ParameterTypeTable {
  readonly PARAMETER_NOT_SET: number;
  readonly PARAMETER_BOOL: number;
  readonly PARAMETER_INTEGER: number;
  readonly PARAMETER_DOUBLE: number;
  readonly PARAMETER_STRING: number;
  readonly PARAMETER_STRING_ARRAY: number;
}

/** `rclnodejs.Parameter`: `new Parameter(name, type, value)`. */
export interface RosParameter {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

/** `rclnodejs.FloatingPointRange` or `rclnodejs.IntegerRange`. */
export interface RosRange {
  readonly fromValue: number | bigint;
  readonly toValue: number | bigint;
  readonly step: number | bigint;
}

/** `rclnodejs.ParameterDescriptor`: `new ParameterDescriptor(name, type, description, readOnly, range)`. */
export interface RosParameterDescriptor {
  readonly name: string;
  readonly type: number;
  readonly description: string;
  readonly readOnly: boolean;
  additionalConstraints: string;
}

/** `rclnodejs.QoS` instance: `new QoS(history, depth, reliability, durability)`. */
export interface RosQoS {
  readonly history: number;
  readonly depth: number;
  readonly reliability: number;
  readonly durability: number;
}

/** Static policy tables on `rclnodejs.QoS` (`QoS.HistoryPolicy` and friends are getters in lib/qos.js). */
export interface QoSClass {
  new (history?: number, depth?: number, reliability?: number, durability?: number): RosQoS;
  readonly HistoryPolicy: { readonly RMW_QOS_POLICY_HISTORY_KEEP_LAST: number };
  readonly ReliabilityPolicy: {
    readonly RMW_QOS_POLICY_RELIABILITY_RELIABLE: number;
    readonly RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: number;
  };
  readonly DurabilityPolicy: { readonly RMW_QOS_POLICY_DURABILITY_VOLATILE: number };
}

/** The options argument of createPublisher / createSubscription (rclnodejs `Options`). */
export interface PubSubOptions {
  qos?: RosQoS | string;
  enableTypedArray?: boolean;
}

/** `node.getLogger()`: rclnodejs `Logging`, which writes to the console and /rosout. */
export interface RosLogger {
  debug(message: string): boolean;
  info(message: string): boolean;
  warn(message: string): boolean;
  error(message: string): boolean;
  fatal(message: string): boolean;
}

/** rclnodejs `Publisher`. `publish` accepts a plain object and builds the message from it. */
export interface RosPublisher {
  /** Fully resolved topic name (after `~` expansion and remapping). */
  readonly topic: string;
  publish(message: object): void;
}

/** rclnodejs `Subscription`. */
export interface RosSubscription {
  readonly topic: string;
}

/** rclnodejs `Timer`. */
export interface RosTimer {
  cancel(): void;
  isCanceled(): boolean;
}

/** The `Time` returned by `node.now()`. */
export interface RosTime {
  toMsg(): TimeMsg;
}

/** The members of rclnodejs `Node` this package calls. */
export interface RosNode {
  name(): string;
  namespace(): string;
  getLogger(): RosLogger;
  /** Node clock time; follows /clock when use_sim_time is true. */
  now(): RosTime;
  createPublisher(typeClass: string, topic: string, options?: PubSubOptions): RosPublisher;
  createSubscription(
    typeClass: string,
    topic: string,
    options: PubSubOptions,
    callback: (message: unknown) => void,
  ): RosSubscription;
  /** `period` is in nanoseconds. */
  createTimer(period: bigint, callback: () => void): RosTimer;
  declareParameter(
    parameter: RosParameter,
    descriptor?: RosParameterDescriptor,
    ignoreOverride?: boolean,
  ): RosParameter;
  getParameter(name: string): RosParameter;
  /** Parameters given with `--ros-args -p` or `--params-file`, before they are declared. */
  getParameterOverrides(): RosParameter[];
  /** Called before a declaration or `ros2 param set` is applied; a result with successful=false vetoes it. */
  addOnSetParametersCallback(callback: (parameters: RosParameter[]) => SetParametersResult): void;
  removeOnSetParametersCallback(callback: (parameters: RosParameter[]) => SetParametersResult): void;
  /** Called after parameters are stored; for side effects (rclnodejs 2.2.0 lib/node.js). */
  addPostSetParametersCallback(callback: (parameters: RosParameter[]) => void): void;
  removePostSetParametersCallback(callback: (parameters: RosParameter[]) => void): void;
  countSubscribers(topic: string): number;
  /**
   * The fully qualified name `topic` stands for, after namespace expansion and the remapping rules
   * (`--ros-args -r`, a launch file's remappings). Optional: fakes may leave it out.
   */
  resolveTopicName?(topic: string): string;
  destroyPublisher(publisher: RosPublisher): void;
  destroySubscription(subscription: RosSubscription): void;
  destroyTimer(timer: RosTimer): void;
  spin(timeout?: number): void;
  destroy(): void;
}

/** The part of rclnodejs `NodeOptions` the package sets (a plain object is accepted). */
export interface RosNodeOptions {
  /** Whether rclnodejs registers the node's /rosout publisher (default true). */
  enableRosout?: boolean;
}

/** The rclnodejs module as this package uses it. */
export interface RclApi {
  /** Initialises the default context from `process.argv` (parses `--ros-args`). */
  init(): Promise<void>;
  shutdown(): void;
  isShutdown(): boolean;
  /** Drops rclnodejs's own SIGINT handler, which would destroy the node under a frame in flight. */
  removeSignalHandlers(): void;
  /** Generates JavaScript for every message package on AMENT_PREFIX_PATH. */
  regenerateAll(): Promise<void>;
  /** Loads a generated message class; throws when it has not been generated. */
  require(name: string): unknown;
  readonly Node: new (
    nodeName: string,
    namespace?: string,
    context?: undefined,
    options?: RosNodeOptions,
  ) => RosNode;
  readonly QoS: QoSClass;
  readonly Parameter: new (name: string, type: number, value?: unknown) => RosParameter;
  readonly ParameterDescriptor: new (
    name: string,
    type: number,
    description?: string,
    readOnly?: boolean,
    range?: RosRange,
  ) => RosParameterDescriptor;
  readonly FloatingPointRange: new (from: number, to: number, step?: number, tolerance?: number) => RosRange;
  readonly IntegerRange: new (from: bigint, to: bigint, step?: bigint) => RosRange;
  readonly ParameterType: ParameterTypeTable;
}
