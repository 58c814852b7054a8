/**
 * Quality-of-service profiles of the node's topics, built from parameters. Inputs default to the
 * sensor-data profile at depth 1 (best effort, volatile: the newest image matters, a late one is
 * useless); outputs are reliable so RViz's default subscription and `ros2 bag record` match.
 */
import type { RclApi, RosQoS } from "./ros-api";

export type ReliabilityName = "best_effort" | "reliable";
export const RELIABILITY_NAMES: readonly ReliabilityName[] = ["best_effort", "reliable"];

export interface QosSettings {
  readonly reliability: ReliabilityName;
  /** History depth (keep last N). */
  readonly depth: number;
}

/** /diagnostics, as diagnostic_updater publishes it. */
export const DIAGNOSTICS_QOS: QosSettings = { reliability: "reliable", depth: 10 };

export function isReliabilityName(value: string): value is ReliabilityName {
  return (RELIABILITY_NAMES as readonly string[]).includes(value);
}

/** An rclnodejs QoS: keep last `depth`, the given reliability, volatile. */
export function createQos(rcl: RclApi, settings: QosSettings): RosQoS {
  const { QoS } = rcl;
  const reliability =
    settings.reliability === "reliable"
      ? QoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE
      : QoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT;
  return new QoS(
    QoS.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    settings.depth,
    reliability,
    QoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_VOLATILE,
  );
}
