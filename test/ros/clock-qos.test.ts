import assert from "node:assert/strict";
import sinon from "sinon";
import { subscribeClockBestEffort } from "../../src/ros/clock-qos";

/** The shape of rclnodejs 2.2.0's TimeSource that the patch relies on. */
class FakeTimeSource {
  _clockSubscription: unknown = undefined;
  _node: { createSubscription: sinon.SinonStub } | undefined;
  readonly received: unknown[] = [];

  constructor(node?: { createSubscription: sinon.SinonStub }) {
    this._node = node;
  }

  _clockCallback(message: unknown): void {
    this.received.push(message);
  }

  _subscribeToClockTopic(): void {
    // rclnodejs 2.2.0: the default (reliable) QoS, which ros2 bag play's /clock never pairs with
    this._clockSubscription = this._node?.createSubscription("rosgraph_msgs/msg/Clock", "/clock", () => {});
  }
}

describe("/clock subscription QoS (rclnodejs TimeSource patch)", () => {
  it("subscribes to /clock with the QoS given (best effort, as ros2 bag play publishes) and keeps the callback", () => {
    class TimeSource extends FakeTimeSource {}
    const qos = { reliability: "best effort" };
    subscribeClockBestEffort(TimeSource, () => qos);
    const createSubscription = sinon.stub().returns("subscription");
    const source = new TimeSource({ createSubscription });
    source._subscribeToClockTopic();
    assert.equal(createSubscription.callCount, 1);
    const [type, topic, options, callback] = createSubscription.firstCall.args as [
      string,
      string,
      { qos: unknown },
      (message: unknown) => void,
    ];
    assert.deepEqual([type, topic, options.qos], ["rosgraph_msgs/msg/Clock", "/clock", qos]);
    callback({ clock: { sec: 5, nanosec: 0 } });
    assert.deepEqual(source.received, [{ clock: { sec: 5, nanosec: 0 } }], "the TimeSource's own callback");
    assert.equal(source._clockSubscription, "subscription");
    source._subscribeToClockTopic();
    assert.equal(createSubscription.callCount, 1, "once, as rclnodejs does");
  });

  it("is applied once, and leaves a class without the private method (another rclnodejs) alone", () => {
    class TimeSource extends FakeTimeSource {}
    subscribeClockBestEffort(TimeSource, () => "first");
    const patched = TimeSource.prototype._subscribeToClockTopic;
    subscribeClockBestEffort(TimeSource, () => "second");
    assert.equal(TimeSource.prototype._subscribeToClockTopic, patched);
    class Other {}
    subscribeClockBestEffort(Other, () => "qos");
    assert.deepEqual(Object.getOwnPropertyNames(Other.prototype), ["constructor"]);
    subscribeClockBestEffort(undefined, () => "qos");
  });

  it("does nothing without a node, as rclnodejs does", () => {
    class TimeSource extends FakeTimeSource {}
    subscribeClockBestEffort(TimeSource, () => "qos");
    const source = new TimeSource();
    source._subscribeToClockTopic();
    assert.equal(source._clockSubscription, undefined);
  });
});
