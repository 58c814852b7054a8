/**
 * What every output of a camera must look like, checked on what the probe received: one of each
 * output per frame sent, the camera's stamp and frame_id copied, values in range.
 */
import assert from "node:assert/strict";
import type { CameraSpec, ProbeResult, Received } from "./probe";
import { outputsOf } from "./probe";
import { NODE_READY, RosProcess } from "./graph";

const key = (stamp: [number, number] | undefined): string => (stamp === undefined ? "-" : stamp.join("."));

/**
 * Checks the four outputs of `camera` published as `name`: every message carries a stamp the
 * camera sent and its frame_id, mask mono8 in [0,255] at the camera's size, overlay rgb8 at the
 * camera's size, steering finite with the model's name, saliency in [0,1]. `minShare` is the part
 * of the frames sent that must have all four outputs (the node may drop frames under load).
 */
export function checkCameraOutputs(
  result: ProbeResult,
  camera: CameraSpec,
  name: string,
  options: { minShare?: number; node?: string } = {},
): void {
  const sent = new Set((result.sent[camera.topic] ?? []).map((stamp) => key(stamp)));
  assert.ok(sent.size > 0, `nothing sent on ${camera.topic}`);
  const [mask, overlay, steering, saliency] = outputsOf(name, options.node).map(
    ({ topic }) => [topic, result.received[topic] ?? []] as [string, Received[]],
  );
  for (const [topic, messages] of [mask, overlay, steering, saliency]) {
    assert.ok(messages.length > 0, `nothing received on ${topic} (received: ${summary(result)})`);
    for (const message of messages) {
      assert.ok(sent.has(key(message.stamp)), `${topic}: stamp ${key(message.stamp)} was never sent`);
      assert.equal(message.frame_id, camera.frame_id, `${topic}: frame_id`);
    }
  }
  for (const message of mask[1]) {
    assert.equal(message.encoding, "mono8", "mask encoding");
    assert.equal(message.width, camera.width, "mask width");
    assert.equal(message.height, camera.height, "mask height");
    assert.equal(message.data_len, (camera.width ?? 0) * (camera.height ?? 0), "mask size");
    assert.ok(message.data_min! >= 0 && message.data_max! <= 255 && message.data_max! > 0, "mask values");
  }
  for (const message of overlay[1]) {
    assert.equal(message.encoding, "rgb8", "overlay encoding");
    assert.equal(message.width, camera.width, "overlay width");
    assert.equal(message.height, camera.height, "overlay height");
    assert.equal(message.step, (camera.width ?? 0) * 3, "overlay step");
    assert.equal(message.data_len, (camera.width ?? 0) * (camera.height ?? 0) * 3, "overlay size");
  }
  for (const message of steering[1]) {
    assert.ok(Number.isFinite(message.curvature) && Math.abs(message.curvature!) < 1, "curvature sane");
    assert.ok(Number.isFinite(message.steering_wheel_angle), "steering wheel angle finite");
    assert.equal(message.model_name, "pilotnet");
  }
  for (const message of saliency[1]) {
    assert.equal(message.method, "vbp");
    assert.equal(message.mask_len, message.width! * message.height!, "saliency mask size");
    assert.ok(message.mask_min! >= 0 && message.mask_max! <= 1 + 1e-6, "saliency in [0,1]");
  }
  const minShare = options.minShare ?? 0.9;
  for (const [topic, messages] of [mask, overlay, steering, saliency]) {
    assert.ok(
      messages.length >= Math.floor(sent.size * minShare),
      `${topic}: ${messages.length} messages for ${sent.size} frames sent`,
    );
  }
}

/** Message counts per topic, for assertion messages. */
export function summary(result: ProbeResult): string {
  return Object.entries(result.received)
    .map(([topic, messages]) => `${topic}: ${messages.length}`)
    .join(", ");
}

/** `ros2 run visualbackprop visualbackprop_node` with `rosArgs`, once it has started. */
export async function startNode(
  rosArgs: readonly string[] = [],
  options: { ignoreSigint?: boolean; name?: string } = {},
): Promise<RosProcess> {
  const args = ["run", "visualbackprop", "visualbackprop_node"];
  if (rosArgs.length > 0) args.push("--ros-args", ...rosArgs);
  const node = RosProcess.start(options.name ?? "visualbackprop_node", "ros2", args, options);
  await node.waitFor(NODE_READY, 120_000);
  return node;
}

/** The warnings and errors a healthy run must not log. */
export function assertCleanLog(process: RosProcess): void {
  assert.doesNotMatch(process.output, /Publisher already registered/, process.tail());
  assert.doesNotMatch(process.output, /process has died/, process.tail());
}
