/**
 * The steering a bag recorded (`--steering-topic`), read beside the predictions so the report can
 * draw both. A topic qualifies when its type is std_msgs Float32/Float64 (taken as curvature, 1/m)
 * or has a `curvature` or `steering_wheel_angle` field (SteeringCommand and look-alikes).
 */
import type { RosSerializer } from "../bag/ros-serializer";
import type { BagTopic } from "../bag/rosbag2-types";

/** What the recorded values are, and so which prediction they are compared with. */
export type RecordedQuantity = "curvature" | "steering_wheel_angle";

export interface RecordedSample {
  readonly logTimeNs: bigint;
  readonly value: number;
}

const FLOAT_TYPES = new Set(["std_msgs/msg/Float32", "std_msgs/msg/Float64"]);

/** Collects the values of the recorded steering topic as the run reads it. */
export class RecordedSteering {
  readonly topic: string;
  readonly type: string;
  readonly quantity: RecordedQuantity;
  readonly samples: RecordedSample[] = [];
  /** Messages that did not decode. */
  undecodable = 0;
  readonly #serializer: RosSerializer;
  readonly #field: string;

  private constructor(serializer: RosSerializer, topic: BagTopic, field: string, quantity: RecordedQuantity) {
    this.#serializer = serializer;
    this.topic = topic.name;
    this.type = topic.type;
    this.#field = field;
    this.quantity = quantity;
  }

  /**
   * Checks the topic before anything is read: it must exist, its type must be known (builtin or
   * defined in the bag), and carry one of the fields above. Throws naming what is wrong.
   */
  static forTopic(serializer: RosSerializer, topics: readonly BagTopic[], name: string): RecordedSteering {
    const topic = topics.find((t) => t.name === name);
    if (topic === undefined) {
      throw new Error(
        `--steering-topic: no topic "${name}" in the bag (it has ${topics.map((t) => t.name).join(", ")})`,
      );
    }
    if (!serializer.registry.has(topic.type)) {
      throw new Error(
        `--steering-topic ${name}: unknown message type "${topic.type}" (not a standard type and the bag carries no definition of it)`,
      );
    }
    if (FLOAT_TYPES.has(topic.type)) return new RecordedSteering(serializer, topic, "data", "curvature");
    const fields = serializer.registry.get(topic.type).fields;
    const numeric = (field: string): boolean =>
      fields.some((f) => f.name === field && !f.isArray && /^float(32|64)$/.test(f.type));
    if (numeric("curvature")) return new RecordedSteering(serializer, topic, "curvature", "curvature");
    if (numeric("steering_wheel_angle"))
      return new RecordedSteering(serializer, topic, "steering_wheel_angle", "steering_wheel_angle");
    throw new Error(
      `--steering-topic ${name}: type ${topic.type} has no float field data, curvature or steering_wheel_angle; expected std_msgs/msg/Float32 or a SteeringCommand-like message`,
    );
  }

  /** Reads one message of the topic; a message that does not decode is counted, not fatal. */
  add(logTimeNs: bigint, data: Uint8Array): void {
    try {
      const message = this.#serializer.decode<Record<string, unknown>>(this.type, data);
      const value = message[this.#field];
      if (typeof value === "number") this.samples.push({ logTimeNs, value });
      else this.undecodable += 1;
    } catch {
      this.undecodable += 1;
    }
  }
}

/**
 * Mean absolute difference between predictions and the recorded value nearest in time (within
 * `maxGapNs`); undefined when no prediction has a recorded neighbour.
 */
export function meanAbsoluteDifference(
  predicted: readonly { logTimeNs: bigint; value: number }[],
  recorded: readonly RecordedSample[],
  maxGapNs = 100_000_000n,
): { mae: number; pairs: number } | undefined {
  if (recorded.length === 0) return undefined;
  const sorted = [...recorded].sort((a, b) =>
    a.logTimeNs < b.logTimeNs ? -1 : a.logTimeNs > b.logTimeNs ? 1 : 0,
  );
  let sum = 0;
  let pairs = 0;
  let j = 0;
  for (const p of predicted) {
    while (j + 1 < sorted.length && sorted[j + 1].logTimeNs <= p.logTimeNs) j++;
    let best = sorted[j];
    const next = sorted[j + 1];
    if (next !== undefined && abs(next.logTimeNs - p.logTimeNs) < abs(best.logTimeNs - p.logTimeNs))
      best = next;
    if (abs(best.logTimeNs - p.logTimeNs) > maxGapNs || !Number.isFinite(p.value)) continue;
    sum += Math.abs(p.value - best.value);
    pairs += 1;
  }
  return pairs === 0 ? undefined : { mae: sum / pairs, pairs };
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}
