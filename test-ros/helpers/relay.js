#!/usr/bin/env node
// The transport floor of the graph benchmark: a bare rclnodejs node that subscribes to camera
// topics exactly as visualbackprop_node does (best effort, depth 1, typed arrays) and answers each
// image at once with its header on /relay/camera_<index>/header, which is what the node's steering is
// timed against. Usage: relay.js TOPIC...   (rclnodejs from the colcon install under test)
"use strict";
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

async function main() {
  await rclnodejs.init();
  const node = new rclnodejs.Node("visualbackprop_relay", "", undefined, { enableRosout: false });
  const input = new rclnodejs.QoS(
    rclnodejs.QoS.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    1,
    rclnodejs.QoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
    rclnodejs.QoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_VOLATILE,
  );
  process.argv.slice(2).forEach((topic, index) => {
    const publisher = node.createPublisher("std_msgs/msg/Header", `/relay/camera_${index}/header`);
    node.createSubscription("sensor_msgs/msg/Image", topic, { qos: input, enableTypedArray: true }, (image) =>
      publisher.publish(image.header),
    );
  });
  node.spin();
  console.log("relay ready");
  const stop = () => {
    rclnodejs.shutdown();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
