/**
 * /diagnostics from the running node while a camera streams, after it goes silent, and while it
 * sends bad frames: what `ros2 topic echo /diagnostics` and rqt_robot_monitor show.
 */
import assert from "node:assert/strict";
import { startNode } from "./checks";
import { killAll, requireRosGraph } from "./graph";
import { probe, rawCamera, type Received } from "./probe";

const CAMERA = "/visualbackprop: camera camera";
const ENGINE = /^\/visualbackprop: engine/;

function cameraStatuses(messages: readonly Received[]): NonNullable<Received["status"]> {
  return messages.flatMap((message) => message.status ?? []).filter((status) => status.name === CAMERA);
}

describe("/diagnostics of visualbackprop_node on a real graph", function () {
  before(async function () {
    requireRosGraph(this);
    await startNode(["-p", "camera_timeout_s:=0.5"]);
  });
  after(killAll);

  it("reports OK with rates and latencies while a camera streams, WARN when it goes silent", async () => {
    const camera = rawCamera("/camera/image_raw");
    const result = await probe({
      publish: [camera],
      subscribe: [{ topic: "/diagnostics", kind: "diagnostics" }],
      rate_hz: 10,
      frames: 40,
      linger_s: 2.5,
    });
    const messages = result.received["/diagnostics"] ?? [];
    assert.ok(messages.length >= 4, `${messages.length} /diagnostics messages in ~6.5 s`);
    const engine = messages
      .flatMap((message) => message.status ?? [])
      .filter((status) => ENGINE.test(status.name));
    assert.ok(engine.length > 0, "an engine status");
    assert.match(engine[0].values.provider ?? "", /cpu|cuda|webgpu|tensorrt/);
    // The main thread's event-loop delay, in ms: measured every second, p99 within max.
    const delays = engine.filter((status) => status.values.main_thread_delay_max_ms !== undefined);
    assert.ok(delays.length > 0, `main thread delay in ${JSON.stringify(engine[0].values)}`);
    for (const status of delays) {
      const p99 = Number(status.values.main_thread_delay_p99_ms);
      const max = Number(status.values.main_thread_delay_max_ms);
      assert.ok(p99 >= 0 && p99 <= max && Number.isFinite(max), JSON.stringify(status.values));
    }
    const statuses = cameraStatuses(messages);
    const streaming = statuses.filter((status) => Number(status.values.input_rate_hz) > 5);
    assert.ok(streaming.length >= 2, JSON.stringify(statuses));
    for (const status of streaming) {
      assert.equal(status.level, 0, status.message);
      assert.equal(status.values.topic, "/camera/image_raw");
      assert.ok(Number(status.values.latency_p50_ms) > 0, "latency measured");
      assert.ok(Number(status.values.output_rate_hz) > 5, "frames processed");
    }
    const last = statuses[statuses.length - 1];
    assert.equal(last.level, 1, `silent camera is WARN: ${JSON.stringify(last)}`);
    assert.match(last.message, /no images for \d+\.\d s/);
  });

  it("counts bad frames (a wrong step) and turns WARN naming the problem", async () => {
    const good = rawCamera("/camera/image_raw");
    const badStep = { ...good, step: 100 };
    const result = await probe({
      publish: [badStep],
      subscribe: [{ topic: "/diagnostics", kind: "diagnostics" }],
      rate_hz: 10,
      frames: 25,
      linger_s: 0.5,
    });
    const statuses = cameraStatuses(result.received["/diagnostics"] ?? []);
    const bad = statuses.filter((status) => Number(status.values.bad_frames) > 0);
    assert.ok(bad.length > 0, JSON.stringify(statuses));
    assert.equal(bad[0].level, 1);
    assert.match(bad[0].message, /bad frames \(.*step/i);
  });
});
