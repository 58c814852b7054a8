/** Bags, models and folders the offline tests make for themselves. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sharp from "sharp";
import { DEFAULT_QOS_PROFILES } from "../../src/bag/rosbag2-metadata";
import { openBag } from "../../src/bag/rosbag2-open";
import type { BagMessage, BagReader } from "../../src/bag/rosbag2-types";
import { createBagWriter } from "../../src/bag/rosbag2-writer";
import { nsToStamp } from "../../src/bag/ros-types";
import { createSerializer } from "../../src/bag/serializer-factory";
import { writeHumbleSqliteBag } from "../support/sqlite-bag";
import { loadModel } from "../../src/frame/model-loader";
import type { LoadedModel } from "../../src/frame/model-port";
import type { PreprocessSpec } from "../../src/image/preprocess";
import { buildPilotNet } from "../../src/onnx/cnn-builder";
import { processBag, type ProcessBagOptions } from "../../src/offline/bag-processor";

export const CAMERA = "/cameras/front/image_raw";
export const STEERING = "/vehicle/steering";
/** A type no builtin registry knows: copied through with the definition the bag carries. */
export const CUSTOM = "/vehicle/status";
export const CUSTOM_TYPE = "acme_msgs/msg/Status";
export const CUSTOM_DEFINITION = "uint8 mode\nstring note\nfloat64[] values\n";
/** A QoS string unlike the default, to see it copied. */
export const CUSTOM_QOS = DEFAULT_QOS_PROFILES.replace("reliability: 1", "reliability: 2");
export const T0 = 1_735_689_600_000_000_000n;
const serializer = createSerializer();

export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-offline-"));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A deterministic rgb8 picture that changes with the frame index. */
export function pixels(i: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      out[p] = (4 * x + 8 * i) % 256;
      out[p + 1] = (5 * y + 3 * i) % 256;
      out[p + 2] = (x * y) % 256;
    }
  return out;
}

export interface TestBagOptions {
  readonly frames: number;
  readonly width?: number;
  readonly height?: number;
  /** Camera topics; `.../compressed` ones carry PNG CompressedImage. */
  readonly cameras?: readonly string[];
  /** Frame indices whose Image data is cut short (a bad frame). */
  readonly badFrames?: readonly number[];
}

export interface TestBag {
  readonly messages: BagMessage[];
  readonly topics: { name: string; type: string; qos: string; definition?: string }[];
}

/** The messages of a small drive: cameras at 10 Hz, steering and a custom topic between frames. */
export async function testMessages(options: TestBagOptions): Promise<TestBag> {
  const width = options.width ?? 64;
  const height = options.height ?? 48;
  const cameras = options.cameras ?? [CAMERA];
  const messages: BagMessage[] = [];
  for (let i = 0; i < options.frames; i++) {
    const stampNs = T0 + BigInt(i) * 100_000_000n;
    const header = { stamp: nsToStamp(stampNs), frame_id: "front" };
    for (const [k, topic] of cameras.entries()) {
      const data = pixels(i + k, width, height);
      let bytes: Uint8Array;
      if (topic.endsWith("/compressed")) {
        const png = await sharp(Buffer.from(data), { raw: { width, height, channels: 3 } })
          .png()
          .toBuffer();
        bytes = serializer.encode("sensor_msgs/msg/CompressedImage", { header, format: "png", data: png });
      } else {
        const bad = options.badFrames?.includes(i) ?? false;
        bytes = serializer.encode("sensor_msgs/msg/Image", {
          header,
          height,
          width,
          encoding: "rgb8",
          is_bigendian: 0,
          step: width * 3,
          data: bad ? data.subarray(0, 100) : data,
        });
      }
      messages.push({ topic, logTimeNs: stampNs + 2_000_000n + BigInt(k), data: bytes });
    }
    messages.push({
      topic: STEERING,
      logTimeNs: stampNs + 5_000_000n,
      data: serializer.encode("std_msgs/msg/Float32", { data: 0.001 * i }),
    });
    if (i % 3 === 0) {
      const status = new Uint8Array([0, 1, 0, 0, i, 0, 0, 0, 3, 0, 0, 0, 111, 107, 0, 0, 0, 0, 0, 0]);
      messages.push({ topic: CUSTOM, logTimeNs: stampNs + 7_000_000n, data: status });
    }
  }
  const topics = [
    ...cameras.map((name) => ({
      name,
      type: name.endsWith("/compressed") ? "sensor_msgs/msg/CompressedImage" : "sensor_msgs/msg/Image",
      qos: DEFAULT_QOS_PROFILES,
    })),
    { name: STEERING, type: "std_msgs/msg/Float32", qos: DEFAULT_QOS_PROFILES },
    { name: CUSTOM, type: CUSTOM_TYPE, qos: CUSTOM_QOS, definition: CUSTOM_DEFINITION },
  ];
  return { messages, topics };
}

/** Writes an MCAP bag directory the way this package's writer does (what rosbag2 would read). */
export async function writeMcapBag(
  dir: string,
  bag: TestBag,
  options: { compression?: "zstd" | "lz4" | "none"; chunkSize?: number } = {},
): Promise<void> {
  const writer = await createBagWriter(dir, {
    compression: options.compression ?? "zstd",
    chunkSize: options.chunkSize,
    registry: serializer.registry,
  });
  for (const t of bag.topics)
    await writer.addTopic({
      name: t.name,
      type: t.type,
      offeredQosProfiles: t.qos,
      definition: t.definition,
    });
  for (const m of bag.messages) await writer.write(m.topic, m.logTimeNs, m.data);
  await writer.close();
}

/** Writes a sqlite3 bag in Humble's schema (no type definitions), with metadata.yaml. */
export function writeSqliteBag(dir: string, bag: TestBag): void {
  writeHumbleSqliteBag(dir, bag.topics, bag.messages);
}

/** Every message of a bag, and the bag's topics. */
export async function readBag(bagPath: string): Promise<{ bag: BagReader; messages: BagMessage[] }> {
  const bag = await openBag(bagPath);
  try {
    const messages: BagMessage[] = [];
    for await (const m of bag.messages()) messages.push({ ...m, data: m.data.slice() });
    return { bag, messages };
  } finally {
    await bag.close();
  }
}

/** PilotNet with random weights, written once per test run (the trained model may not exist yet). */
let modelFile: string | undefined;
export function testModelPath(): string {
  if (modelFile === undefined || !fs.existsSync(modelFile)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-offline-model-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    modelFile = path.join(dir, "pilotnet.onnx");
    fs.writeFileSync(modelFile, buildPilotNet(7));
  }
  return modelFile;
}

let model: Promise<LoadedModel> | undefined;
/** One engine for the in-process tests (loading one costs about a second). */
export function testModel(): Promise<LoadedModel> {
  model ??= loadModel({ modelPath: testModelPath(), provider: "cpu", intraOpThreads: 1 });
  return model;
}

/** `processBag` with the test model and the settings the offline tests share; `options` win. */
export async function processTestBag(
  options: Partial<ProcessBagOptions> & { input: string; output: string },
) {
  return processBag({
    model: await testModel(),
    colorMap: "jet",
    opacity: 0.5,
    geometry: { wheelbaseM: 2.85, steeringRatio: 15 },
    batch: 4,
    ...options,
  });
}

/** A small model input (20x8, YUV, planar, scaled to [-1, 1]) taking `crop` of the frame. */
export function smallSpec(crop: PreprocessSpec["crop"]): PreprocessSpec {
  return { crop, width: 20, height: 8, colorSpace: "yuv", layout: "nchw", scale: 1 / 127.5, bias: -1 };
}
