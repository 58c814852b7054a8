/**
 * rclnodejs 2.2.0's TimeSource subscribes to /clock with the default QoS (reliable), but
 * `ros2 bag play --clock` publishes it best effort, as rclcpp's ClockQoS does: DDS never pairs the
 * two ("requesting incompatible QoS ... RELIABILITY"), so under `use_sim_time:=true` the node's ROS
 * time stayed at 0 for the whole playback. This makes the /clock subscription best effort, depth 1
 * (rclcpp's ClockQoS), which pairs with reliable and best-effort publishers alike. A guarded patch
 * like the parameter-*.ts files: a class without the private method (another rclnodejs) is left
 * as it is. Recheck on any rclnodejs upgrade.
 */

interface SubscribingNode {
  createSubscription(
    type: string,
    topic: string,
    options: { qos: unknown },
    callback: (message: unknown) => void,
  ): unknown;
}

interface TimeSourceLike {
  _subscribeToClockTopic?: () => void;
  _clockSubscription?: unknown;
  _node?: SubscribingNode;
  _clockCallback?: (message: unknown) => void;
  __visualbackpropClockQos?: boolean;
}

/** The /clock QoS of rclcpp's ClockQoS, built with the module's own QoS class. */
export interface ClockQosFactory {
  (): unknown;
}

/** Patches `timeSourceClass.prototype._subscribeToClockTopic` once. */
export function subscribeClockBestEffort(
  timeSourceClass: { prototype: unknown } | undefined,
  clockQos: ClockQosFactory,
): void {
  const prototype = timeSourceClass?.prototype as TimeSourceLike | undefined;
  if (prototype === undefined || typeof prototype._subscribeToClockTopic !== "function") return;
  if (prototype.__visualbackpropClockQos === true) return;
  prototype._subscribeToClockTopic = function (this: TimeSourceLike): void {
    if (this._clockSubscription !== undefined || this._node === undefined) return;
    const callback = this._clockCallback;
    if (typeof callback !== "function") return;
    this._clockSubscription = this._node.createSubscription(
      "rosgraph_msgs/msg/Clock",
      "/clock",
      { qos: clockQos() },
      callback.bind(this),
    );
  };
  prototype.__visualbackpropClockQos = true;
}
