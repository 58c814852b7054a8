/**
 * The camera and the output recorder of the tests: test-ros/helpers/probe.py (rclpy) publishes
 * frames this file prepares (raw pixels in each encoding, JPEG and PNG made with sharp) and
 * records what the node publishes, then prints one JSON summary.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { run, scratchDir } from "./graph";
import { REPO_ROOT } from "./ros-env";

export type Encoding = "rgb8" | "bgr8" | "mono8" | "yuv422";

export interface CameraSpec {
  readonly topic: string;
  readonly frame_id: string;
  readonly data_file: string;
  /** Raw images. */
  readonly width?: number;
  readonly height?: number;
  readonly encoding?: string;
  readonly step?: number;
  /** CompressedImage. */
  readonly format?: string;
}

export type OutputKind =
  "image" | "steering" | "saliency" | "diagnostics" | "compressed" | "header" | "comparison";

export interface ProbeSpec {
  readonly publish?: readonly CameraSpec[];
  readonly subscribe?: readonly { topic: string; kind: OutputKind }[];
  readonly rate_hz?: number;
  readonly frames?: number;
  readonly linger_s?: number;
  readonly graph_timeout_s?: number;
  /** Stamps from this time (s) on, one period apart, instead of the wall clock. */
  readonly stamp_start?: number;
  /** Record only stamps and receive times (latency runs: no per-message statistics in Python). */
  readonly light?: boolean;
}

export interface Received {
  readonly received_ns: number;
  readonly stamp?: [number, number];
  readonly frame_id?: string;
  readonly latency_ms?: number;
  readonly width?: number;
  readonly height?: number;
  readonly encoding?: string;
  readonly step?: number;
  readonly data_len?: number;
  readonly data_min?: number;
  readonly data_max?: number;
  readonly curvature?: number;
  readonly steering_wheel_angle?: number;
  readonly model_name?: string;
  readonly method?: string;
  readonly mask_len?: number;
  readonly mask_min?: number;
  readonly mask_max?: number;
  readonly layers?: number;
  readonly frames_dropped?: number;
  /** SaliencyComparison (kind "comparison"). */
  readonly compare_curvature?: number;
  readonly curvature_difference?: number;
  readonly mask_difference?: number;
  readonly top_iou?: number;
  readonly compare_model_name?: string;
  readonly status?: { level: number; name: string; message: string; values: Record<string, string> }[];
}

export interface ProbeResult {
  readonly graph_ready: boolean;
  readonly sent: Record<string, [number, number][]>;
  readonly received: Record<string, Received[]>;
}

const PROBE = path.join(REPO_ROOT, "test-ros", "helpers", "probe.py");
const frameDir = (() => {
  let dir: string | undefined;
  return () => (dir ??= scratchDir("frames"));
})();

/** An RGB test picture: a road-like gradient with stripes, so the model and the overlay do real work. */
function rgbPicture(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const road = y > height / 2 && Math.abs(x - width / 2) < (y - height / 2) * 1.2;
      data[i] = road ? 90 : (x * 255) / width;
      data[i + 1] = road ? 90 : (y * 255) / height;
      data[i + 2] = road ? 95 : ((x >> 4) & 1) * 200;
    }
  }
  return data;
}

function encode(rgb: Uint8Array, width: number, height: number, encoding: Encoding): Uint8Array {
  const pixels = width * height;
  switch (encoding) {
    case "rgb8":
      return rgb;
    case "bgr8": {
      const out = new Uint8Array(pixels * 3);
      for (let p = 0; p < pixels; p++) {
        out[p * 3] = rgb[p * 3 + 2];
        out[p * 3 + 1] = rgb[p * 3 + 1];
        out[p * 3 + 2] = rgb[p * 3];
      }
      return out;
    }
    case "mono8": {
      const out = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++)
        out[p] = Math.round((rgb[p * 3] + rgb[p * 3 + 1] + rgb[p * 3 + 2]) / 3);
      return out;
    }
    case "yuv422": {
      // UYVY: U Y0 V Y1 per two pixels.
      const out = new Uint8Array(pixels * 2);
      for (let p = 0; p < pixels; p += 2) {
        const [r, g, b] = [rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]];
        const y0 = 0.299 * r + 0.587 * g + 0.114 * b;
        const y1 = 0.299 * rgb[p * 3 + 3] + 0.587 * rgb[p * 3 + 4] + 0.114 * rgb[p * 3 + 5];
        out[p * 2] = Math.max(0, Math.min(255, Math.round(128 - 0.169 * r - 0.331 * g + 0.5 * b)));
        out[p * 2 + 1] = Math.round(y0);
        out[p * 2 + 2] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.419 * g - 0.081 * b)));
        out[p * 2 + 3] = Math.round(y1);
      }
      return out;
    }
  }
}

const BYTES_PER_PIXEL: Record<Encoding, number> = { rgb8: 3, bgr8: 3, mono8: 1, yuv422: 2 };

/** A raw camera on `topic`: one 640x480 (or given size) frame in `encoding`, published repeatedly. */
export function rawCamera(
  topic: string,
  options: { encoding?: Encoding; width?: number; height?: number; frameId?: string; step?: number } = {},
): CameraSpec {
  const { encoding = "rgb8", width = 640, height = 480, frameId = "camera_optical" } = options;
  const data = encode(rgbPicture(width, height), width, height, encoding);
  const file = path.join(frameDir(), `${encoding}-${width}x${height}-${options.step ?? "packed"}.raw`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, data);
  return {
    topic,
    frame_id: frameId,
    data_file: file,
    width,
    height,
    encoding,
    step: options.step ?? width * BYTES_PER_PIXEL[encoding],
  };
}

/** A compressed camera on `<topic>` (ending in /compressed): JPEG or PNG bytes made with sharp. */
export async function compressedCamera(
  topic: string,
  format: "jpeg" | "png",
  options: { width?: number; height?: number; frameId?: string } = {},
): Promise<CameraSpec> {
  const { width = 640, height = 480, frameId = "camera_optical" } = options;
  const file = path.join(frameDir(), `${width}x${height}.${format}`);
  if (!fs.existsSync(file)) {
    const image = sharp(Buffer.from(rgbPicture(width, height)), { raw: { width, height, channels: 3 } });
    fs.writeFileSync(file, format === "jpeg" ? await image.jpeg().toBuffer() : await image.png().toBuffer());
  }
  return { topic, frame_id: frameId, data_file: file, format, width, height };
}

/** A file of `length` bytes (a truncated or corrupt frame). */
export function junkFile(name: string, bytes: Uint8Array): string {
  const file = path.join(frameDir(), name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** The four outputs of camera `name` under node `node` (default /visualbackprop). */
export function outputsOf(name: string, node = "/visualbackprop"): { topic: string; kind: OutputKind }[] {
  return [
    { topic: `${node}/${name}/mask`, kind: "image" },
    { topic: `${node}/${name}/overlay`, kind: "image" },
    { topic: `${node}/${name}/steering`, kind: "steering" },
    { topic: `${node}/${name}/saliency`, kind: "saliency" },
  ];
}

/** Runs the probe to its end and returns its summary. */
export async function probe(spec: ProbeSpec, timeoutMs = 120_000): Promise<ProbeResult> {
  const file = path.join(frameDir(), `spec-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const result = await run("python3", [PROBE, file], timeoutMs);
  const line = result.output
    .split("\n")
    .reverse()
    .find((candidate) => candidate.startsWith("{"));
  if (result.code !== 0 || line === undefined)
    throw new Error(`probe failed (exit ${result.code})\n${result.output.slice(-3000)}`);
  return JSON.parse(line) as ProbeResult;
}
