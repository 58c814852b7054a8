#!/usr/bin/env node
// Camera and timer of the graph benchmark, in one rclnodejs process (rclpy cannot publish 640x480
// at 90 frames/s on a small machine): publishes rgb8 frames stamped with the wall clock on each
// camera topic at RATE Hz for SECONDS, and records, per answer topic, the delay from the stamp to
// the arrival. With `diagnostics` as the fifth argument it also keeps the last value of every
// /diagnostics status, so the caller can tell frames the transport lost (never counted as received
// by the node) from frames the node replaced while busy, and the peaks of the node's main-thread delay.
// Per answer topic it also records each answer's camera stamp as ms since the first frame's stamp,
// so the caller can tell the frames lost while the stream started from those lost later.
// Prints one JSON line. Usage:
//   latency-probe.js RATE SECONDS CAMERA_TOPIC,... ANSWER_TOPIC=TYPE,... [diagnostics]
"use strict";
/* global setTimeout, performance */
const path = require("node:path");
const rclnodejs = require(
  path.join(
    process.env.VBP_ROS_WS,
    "install",
    "visualbackprop",
    "share",
    "visualbackprop",
    "node_modules",
    "rclnodejs",
  ),
);

const [rate, seconds, cameraList, answerList, extra] = process.argv.slice(2);
const WIDTH = 640;
const HEIGHT = 480;

function nowStamp() {
  const ns = BigInt(Date.now()) * 1000000n + (process.hrtime.bigint() % 1000000n);
  return { sec: Number(ns / 1000000000n), nanosec: Number(ns % 1000000000n) };
}

async function main() {
  await rclnodejs.init();
  const node = new rclnodejs.Node("visualbackprop_latency_probe", "", undefined, { enableRosout: false });
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
  const cameras = cameraList.split(",").map((topic) => node.createPublisher("sensor_msgs/msg/Image", topic));
  const answers = {};
  const offsets = {};
  // The first frame's stamp, ms; answers' stamps are given relative to it.
  let firstStampMs;
  for (const entry of answerList.split(",")) {
    const [topic, type] = entry.split("=");
    answers[topic] = [];
    offsets[topic] = [];
    node.createSubscription(type, topic, { enableTypedArray: true }, (message) => {
      const stamp = message.header === undefined ? message.stamp : message.header.stamp;
      const arrived = Date.now() + Number(process.hrtime.bigint() % 1000000n) / 1e6;
      const stampMs = stamp.sec * 1000 + stamp.nanosec / 1e6;
      answers[topic].push(arrived - stampMs);
      offsets[topic].push(stampMs - firstStampMs);
    });
  }
  const diagnostics = {};
  // The largest value each main_thread_delay_* key took over the run (the node reports one per second).
  const peaks = {};
  if (extra === "diagnostics")
    node.createSubscription("diagnostic_msgs/msg/DiagnosticArray", "/diagnostics", (array) => {
      for (const status of array.status) {
        diagnostics[status.name] = Object.fromEntries(status.values.map(({ key, value }) => [key, value]));
        for (const { key, value } of status.values)
          if (key.startsWith("main_thread_delay")) peaks[key] = Math.max(peaks[key] ?? 0, Number(value));
      }
    });
  node.spin();
  // Until every camera has a subscriber and every answer topic a publisher.
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const ready =
      cameras.every((publisher) => node.countSubscribers(publisher.topic) > 0) &&
      Object.keys(answers).every((topic) => node.countPublishers(topic) > 0);
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const frames = Math.round(Number(rate) * Number(seconds));
  let sent = 0;
  const periodMs = 1000 / Number(rate);
  const start = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      if (sent >= frames) return resolve();
      const stamp = nowStamp();
      if (firstStampMs === undefined) firstStampMs = stamp.sec * 1000 + stamp.nanosec / 1e6;
      cameras.forEach((publisher, index) =>
        publisher.publish({
          header: { stamp, frame_id: `camera_${index}` },
          height: HEIGHT,
          width: WIDTH,
          encoding: "rgb8",
          is_bigendian: 0,
          step: WIDTH * 3,
          data,
        }),
      );
      sent++;
      setTimeout(tick, Math.max(0, start + sent * periodMs - performance.now()));
    };
    tick();
  });
  // Long enough for the answers in flight and, with `diagnostics`, one more report (1 Hz).
  await new Promise((resolve) => setTimeout(resolve, extra === "diagnostics" ? 2500 : 1500));
  process.stdout.write(
    `${JSON.stringify({ sent: sent * cameras.length, answers, offsets, diagnostics, peaks })}\n`,
  );
  rclnodejs.shutdown();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
