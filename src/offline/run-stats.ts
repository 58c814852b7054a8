/**
 * What a bag run counts while it goes: frames processed and skipped (by reason), the predicted
 * steering per camera, and where the time went, so the summary and the report need no second pass.
 */

/**
 * Stages of the per-frame work, for the timing breakdown. Decode, preprocess and render may run in
 * worker threads, in parallel with the rest; `write` is handing messages to the output bag (and,
 * with a writer thread, waiting while it is behind); `compress` is the output's chunk compression,
 * in the writer thread when there is one; `wait` is the main thread waiting for the frame workers.
 */
export type Stage = "read" | "decode" | "preprocess" | "engine" | "render" | "write" | "compress" | "wait";
export const STAGES: readonly Stage[] = [
  "read",
  "decode",
  "preprocess",
  "engine",
  "render",
  "write",
  "compress",
  "wait",
];

/** One predicted value, at the camera message's log time. */
export interface SteeringSample {
  readonly logTimeNs: bigint;
  readonly curvature: number;
  readonly steeringWheelAngle: number;
}

/** Counters of one camera. */
export interface CameraStats {
  processed: number;
  skipped: number;
  readonly skipReasons: Map<string, number>;
  readonly steering: SteeringSample[];
}

/** Mean, spread and range of a series (NaN fields for an empty one). */
export interface SeriesStats {
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

export class RunStats {
  readonly cameras: CameraStats[];
  readonly stageMs = new Map<Stage, number>(STAGES.map((s) => [s, 0]));
  /** Messages copied through unchanged (camera messages included). */
  copied = 0;
  batches = 0;
  /** Log times of the first and last camera message handled. */
  firstLogTimeNs: bigint | undefined;
  lastLogTimeNs: bigint | undefined;

  constructor(cameraCount: number) {
    this.cameras = Array.from({ length: cameraCount }, () => ({
      processed: 0,
      skipped: 0,
      skipReasons: new Map<string, number>(),
      steering: [],
    }));
  }

  get processed(): number {
    return this.cameras.reduce((n, c) => n + c.processed, 0);
  }

  get skipped(): number {
    return this.cameras.reduce((n, c) => n + c.skipped, 0);
  }

  /** Skips of all cameras by reason. */
  get skipReasons(): Map<string, number> {
    const all = new Map<string, number>();
    for (const camera of this.cameras)
      for (const [reason, n] of camera.skipReasons) all.set(reason, (all.get(reason) ?? 0) + n);
    return all;
  }

  addTime(stage: Stage, ms: number): void {
    this.stageMs.set(stage, (this.stageMs.get(stage) ?? 0) + ms);
  }

  seen(logTimeNs: bigint): void {
    if (this.firstLogTimeNs === undefined || logTimeNs < this.firstLogTimeNs) this.firstLogTimeNs = logTimeNs;
    if (this.lastLogTimeNs === undefined || logTimeNs > this.lastLogTimeNs) this.lastLogTimeNs = logTimeNs;
  }

  skip(camera: number, reason: string): void {
    const stats = this.cameras[camera];
    stats.skipped += 1;
    stats.skipReasons.set(reason, (stats.skipReasons.get(reason) ?? 0) + 1);
  }

  processedFrame(camera: number, sample: SteeringSample): void {
    const stats = this.cameras[camera];
    stats.processed += 1;
    stats.steering.push(sample);
  }

  /** Seconds of recording between the first and last camera message handled. */
  get recordedSeconds(): number {
    if (this.firstLogTimeNs === undefined || this.lastLogTimeNs === undefined) return 0;
    return Number(this.lastLogTimeNs - this.firstLogTimeNs) / 1e9;
  }
}

/** Mean, standard deviation and range of the finite values. */
export function seriesStats(values: readonly number[]): SeriesStats {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { count: 0, mean: NaN, std: NaN, min: NaN, max: NaN };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of finite) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / finite.length;
  let square = 0;
  for (const v of finite) square += (v - mean) ** 2;
  return { count: finite.length, mean, std: Math.sqrt(square / finite.length), min, max };
}
