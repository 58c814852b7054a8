import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { EventLoopDelay } from "../../src/ros/main-thread-delay";

describe("ros/main-thread-delay: the node's event-loop delay for /diagnostics", () => {
  it("sees a stall of the main thread, and starts a new window at each take", async () => {
    const delay = new EventLoopDelay();
    delay.start();
    try {
      await sleep(30);
      // The main thread held for 80 ms, as a long engine run or a garbage collection would.
      const until = performance.now() + 80;
      while (performance.now() < until);
      await sleep(30);
      const window = delay.take();
      assert.ok(window !== undefined);
      assert.ok(window.maxMs >= 40, `max ${window.maxMs} ms after an 80 ms stall`);
      assert.ok(window.p99Ms <= window.maxMs);
      await sleep(30);
      const next = delay.take();
      assert.ok(
        next === undefined || next.maxMs < window.maxMs,
        "the stall belongs to the first window only",
      );
    } finally {
      delay.stop();
    }
  });
});
