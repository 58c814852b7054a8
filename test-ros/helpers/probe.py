#!/usr/bin/env python3
"""Camera publisher and output subscriber of the real-graph tests, in one rclpy process.

  probe.py SPEC_JSON_FILE

The spec (written by the TypeScript tests and the graph benchmark) says which camera topics to publish (frames read from
files the test prepared: raw pixels, or JPEG/PNG bytes), at what rate and for how long, and which
topics to record. At the end one JSON object goes to stdout: per published topic the stamps sent,
per subscribed topic a summary of every message received (stamp, frame_id, sizes, value ranges,
receive time; with "light", only stamps and receive times, for latency runs). Logs go to stderr.
"""
import json
import sys
import time

import rclpy
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy, HistoryPolicy, DurabilityPolicy
from builtin_interfaces.msg import Time
from sensor_msgs.msg import Image, CompressedImage
from diagnostic_msgs.msg import DiagnosticArray
from std_msgs.msg import Header


def now_ns():
    return time.time_ns()


def stamp_ns(stamp):
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def summarize(topic, msg, received_ns, light=False):
    out = {'received_ns': received_ns}
    header = msg if isinstance(msg, Header) else getattr(msg, 'header', None)
    if header is not None:
        out['stamp'] = [header.stamp.sec, header.stamp.nanosec]
        out['frame_id'] = header.frame_id
        out['latency_ms'] = (received_ns - stamp_ns(header.stamp)) / 1e6
    if light:
        return out
    if isinstance(msg, Image):
        data = bytes(msg.data)
        out.update(width=msg.width, height=msg.height, encoding=msg.encoding, step=msg.step,
                   data_len=len(data), data_min=min(data) if data else None,
                   data_max=max(data) if data else None)
    elif isinstance(msg, DiagnosticArray):
        out['status'] = [
            {'level': int.from_bytes(s.level, 'little') if isinstance(s.level, bytes) else int(s.level),
             'name': s.name, 'message': s.message,
             'values': {kv.key: kv.value for kv in s.values}}
            for s in msg.status]
    elif hasattr(msg, 'top_iou'):
        out.update(curvature=msg.curvature, compare_curvature=msg.compare_curvature,
                   curvature_difference=msg.curvature_difference,
                   mask_difference=msg.mask_difference, top_iou=msg.top_iou,
                   model_name=msg.model_name, compare_model_name=msg.compare_model_name)
    elif hasattr(msg, 'curvature'):
        out.update(curvature=msg.curvature, steering_wheel_angle=msg.steering_wheel_angle,
                   model_name=msg.model_name)
    elif hasattr(msg, 'mask'):
        mask = list(msg.mask)
        out.update(method=msg.method, height=msg.height, width=msg.width, mask_len=len(mask),
                   mask_min=min(mask) if mask else None, mask_max=max(mask) if mask else None,
                   layers=len(msg.layers), frames_dropped=msg.frames_dropped, total_ms=msg.total_ms)
    return out


def message_class(kind):
    if kind == 'image':
        return Image
    if kind == 'compressed':
        return CompressedImage
    if kind == 'diagnostics':
        return DiagnosticArray
    if kind == 'header':
        return Header
    if kind == 'steering':
        from visualbackprop.msg import SteeringCommand
        return SteeringCommand
    if kind == 'saliency':
        from visualbackprop.msg import Saliency
        return Saliency
    if kind == 'comparison':
        from visualbackprop.msg import SaliencyComparison
        return SaliencyComparison
    raise ValueError(f'unknown kind {kind}')


class Probe(Node):
    def __init__(self, spec):
        super().__init__('visualbackprop_probe')
        self.spec = spec
        self.received = {entry['topic']: [] for entry in spec.get('subscribe', [])}
        self.sent = {}
        reliable = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE,
                              history=HistoryPolicy.KEEP_LAST, durability=DurabilityPolicy.VOLATILE)
        camera_qos = QoSProfile(depth=5, reliability=ReliabilityPolicy.RELIABLE,
                                history=HistoryPolicy.KEEP_LAST, durability=DurabilityPolicy.VOLATILE)
        self.subscriptions_ = []
        for entry in spec.get('subscribe', []):
            topic = entry['topic']
            cls = message_class(entry['kind'])
            self.subscriptions_.append(self.create_subscription(
                cls, topic, lambda msg, topic=topic: self.on_message(topic, msg), reliable))
        self.cameras = []
        for camera in spec.get('publish', []):
            with open(camera['data_file'], 'rb') as f:
                data = f.read()
            compressed = camera['topic'].endswith('/compressed')
            cls = CompressedImage if compressed else Image
            publisher = self.create_publisher(cls, camera['topic'], camera_qos)
            self.cameras.append((camera, data, publisher, compressed))
            self.sent[camera['topic']] = []

    def on_message(self, topic, msg):
        self.received[topic].append(summarize(topic, msg, now_ns(), self.spec.get('light', False)))

    def publish_all(self, stamp):
        for camera, data, publisher, compressed in self.cameras:
            if compressed:
                msg = CompressedImage()
                msg.format = camera['format']
            else:
                msg = Image()
                msg.width = camera['width']
                msg.height = camera['height']
                msg.encoding = camera['encoding']
                msg.step = camera['step']
                msg.is_bigendian = 0
            msg.header.stamp = stamp
            msg.header.frame_id = camera.get('frame_id', 'camera')
            msg.data = data
            publisher.publish(msg)
            self.sent[camera['topic']].append([stamp.sec, stamp.nanosec])

    def wait_for_graph(self, timeout_s):
        """Until every camera topic has a subscriber and every output topic a publisher."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready = all(publisher.get_subscription_count() > 0 for _, _, publisher, _ in self.cameras)
            ready = ready and all(self.count_publishers(topic) > 0 for topic in self.received
                                  if topic != '/diagnostics')
            if ready:
                return True
            rclpy.spin_once(self, timeout_sec=0.05)
        return False


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    rclpy.init(args=['--ros-args', '--disable-rosout-logs'])
    probe = Probe(spec)
    graph_ready = probe.wait_for_graph(spec.get('graph_timeout_s', 30.0))
    period = 1.0 / spec.get('rate_hz', 15.0)
    frames = int(spec.get('frames', 0))
    sim_stamp = spec.get('stamp_start')
    start = time.monotonic()
    next_time = start
    sent = 0
    while sent < frames:
        now = time.monotonic()
        if now >= next_time:
            if sim_stamp is not None:
                ns = int(sim_stamp * 1e9) + int(sent * period * 1e9)
                stamp = Time(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)
            else:
                ns = now_ns()
                stamp = Time(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)
            probe.publish_all(stamp)
            sent += 1
            next_time += period
        rclpy.spin_once(probe, timeout_sec=max(0.0, min(0.005, next_time - time.monotonic())))
    # Listen a while longer: the outputs of the last frames, or (without cameras) the topics.
    end = time.monotonic() + spec.get('linger_s', 1.5)
    while time.monotonic() < end:
        rclpy.spin_once(probe, timeout_sec=0.05)
    json.dump({'graph_ready': graph_ready, 'sent': probe.sent, 'received': probe.received},
              sys.stdout)
    sys.stdout.write('\n')
    sys.stdout.flush()
    probe.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
