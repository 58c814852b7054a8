import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { StopSignals } from "../../src/ros/stop-signals";

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe("StopSignals", () => {
  it("the first SIGINT asks to stop; the copy launch sends at once is the same request", async () => {
    const signals = new EventEmitter();
    let now = 0;
    const stop = new StopSignals(signals, () => now);
    signals.emit("SIGINT");
    assert.equal(await stop.requested, "SIGINT");
    now = 50;
    signals.emit("SIGINT");
    assert.equal(await settled(stop.forced), false);
    assert.equal(signals.listenerCount("SIGINT"), 1, "still listening: no default action kills the process");
    stop.dispose();
    assert.equal(signals.listenerCount("SIGINT"), 0);
    assert.equal(signals.listenerCount("SIGTERM"), 0);
  });

  it("a later second Ctrl-C, or SIGTERM after SIGINT, forces the stop", async () => {
    for (const [second, atMs] of [
      ["SIGINT", 1500],
      ["SIGTERM", 10],
    ] as const) {
      const signals = new EventEmitter();
      let now = 0;
      const stop = new StopSignals(signals, () => now);
      signals.emit("SIGINT");
      now = atMs;
      signals.emit(second);
      assert.equal(await stop.forced, second);
      stop.dispose();
    }
  });
});
