/**
 * A recording of the synthetic drive as `ros2 bag record` would make it: rgb8 camera images on
 * `/cameras/front/image_raw` and the ground-truth curvature as std_msgs/Float32 on
 * `/vehicle/curvature`, so the bag tool, the demo and the bench have a realistic input without a
 * car or ROS 2. Written to a temporary directory and renamed, so an interrupted render never
 * leaves something that looks like a finished bag. The bag says what it is in an MCAP Metadata
 * record (synthetic-drive-record.ts), so the bag tool can render the drive's ground truth again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createBagWriter } from "../bag/rosbag2-writer";
import { createSerializer } from "../bag/serializer-factory";
import { nsToStamp } from "../bag/ros-types";
import { SyntheticDrive } from "../drive/drive";
import { buildRgb8Image } from "../frame/messages";
import { IMAGE_TYPE } from "./camera-topics";
import { SYNTHETIC_DRIVE_RECORD, syntheticDriveMetadata } from "./synthetic-drive-record";

export const SYNTHETIC_CAMERA_TOPIC = "/cameras/front/image_raw";
export const SYNTHETIC_CURVATURE_TOPIC = "/vehicle/curvature";
const FLOAT32_TYPE = "std_msgs/msg/Float32";
/** 2025-01-01T00:00:00Z: a fixed start, so the same seed gives the same bag. */
const DEFAULT_START_NS = 1_735_689_600_000_000_000n;
/** What a recorder adds between the camera's stamp and the log time. */
const CAMERA_LATENCY_NS = 3_000_000n;

export interface SyntheticBagOptions {
  readonly seed: number;
  /** Frames to render, default 300 (10 s at 30 Hz). */
  readonly frames?: number;
  readonly width?: number;
  readonly height?: number;
  readonly rateHz?: number;
  readonly startTimeNs?: bigint;
  readonly compression?: "zstd" | "lz4" | "none";
  /** Called after each frame with the count so far. */
  readonly onFrame?: (done: number, total: number) => void;
}

/** Renders the drive into the bag directory `dir`, which must not exist. Returns the frame count. */
export async function writeSyntheticDriveBag(dir: string, options: SyntheticBagOptions): Promise<number> {
  if (fs.existsSync(dir)) throw new Error(`synthetic drive: ${dir} already exists`);
  const frames = options.frames ?? 300;
  const drive = new SyntheticDrive({
    seed: options.seed,
    width: options.width,
    height: options.height,
    rateHz: options.rateHz,
  });
  const serializer = createSerializer();
  // The bag is written as <dir>.partial-<pid>/<name>, so its MCAP file already has its final name.
  const parent = `${dir}.partial-${process.pid}`;
  fs.rmSync(parent, { recursive: true, force: true });
  const temp = path.join(parent, path.basename(dir));
  const writer = await createBagWriter(temp, {
    compression: options.compression ?? "zstd",
    registry: serializer.registry,
    library: "visualbackprop synthetic drive",
  });
  try {
    await writer.addTopic({ name: SYNTHETIC_CAMERA_TOPIC, type: IMAGE_TYPE });
    await writer.addTopic({ name: SYNTHETIC_CURVATURE_TOPIC, type: FLOAT32_TYPE });
    const start = options.startTimeNs ?? DEFAULT_START_NS;
    await writer.addMetadata(
      SYNTHETIC_DRIVE_RECORD,
      syntheticDriveMetadata({
        seed: options.seed,
        width: drive.width,
        height: drive.height,
        rateHz: drive.rateHz,
        startTimeNs: start,
        frames,
        topic: SYNTHETIC_CAMERA_TOPIC,
      }),
    );
    const periodNs = 1e9 / drive.rateHz;
    for (let i = 0; i < frames; i++) {
      const frame = drive.frame(i);
      const stampNs = start + BigInt(Math.round(i * periodNs));
      const header = { stamp: nsToStamp(stampNs), frame_id: "front" };
      await writer.write(
        SYNTHETIC_CURVATURE_TOPIC,
        stampNs + 1_000_000n,
        serializer.encode(FLOAT32_TYPE, { data: frame.truth.curvature }),
      );
      await writer.write(
        SYNTHETIC_CAMERA_TOPIC,
        stampNs + CAMERA_LATENCY_NS,
        serializer.encode(IMAGE_TYPE, buildRgb8Image(header, frame.image)),
      );
      options.onFrame?.(i + 1, frames);
    }
  } catch (error) {
    await writer.close();
    fs.rmSync(parent, { recursive: true, force: true });
    throw error;
  }
  await writer.close();
  fs.renameSync(temp, dir);
  fs.rmSync(parent, { recursive: true, force: true });
  return frames;
}
