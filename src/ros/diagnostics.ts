/**
 * Counters and latency samples behind the node's /diagnostics: one status per camera (rates, drop
 * ratio, latency p50/p99, bad frames) and one for the engine (provider, model, failures). Each
 * report covers the time since the previous one, so a problem shows within a second and clears
 * once it is over.
 */
import { DiagnosticLevel, type DiagnosticLevelValue, type DiagnosticStatusValues } from "../frame/messages";

/** Nearest-rank percentile of ascending samples; NaN when there are none. */
export function percentile(sortedAscending: readonly number[], fraction: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length - 1, Math.max(0, rank - 1))];
}

function worst(levels: readonly DiagnosticLevelValue[]): DiagnosticLevelValue {
  return levels.reduce<DiagnosticLevelValue>((a, b) => (b > a ? b : a), DiagnosticLevel.OK);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Per-camera counters; totals since start plus a window since the last report. */
export class CameraStatistics {
  readonly name: string;
  readonly topic: string;
  #lastReceivedMs: number | undefined;
  #window = { received: 0, processed: 0, droppedBusy: 0, droppedThrottled: 0, bad: 0, failed: 0 };
  #total = { received: 0, processed: 0, dropped: 0, bad: 0 };
  #latenciesMs: number[] = [];
  #lastBadReason = "";

  constructor(name: string, topic: string) {
    this.name = name;
    this.topic = topic;
  }

  frameReceived(nowMs: number): void {
    this.#lastReceivedMs = nowMs;
    this.#window.received += 1;
    this.#total.received += 1;
  }

  /** `busy`: the engine could not keep up; `throttled`: max_rate_hz or the sync window held it back. */
  frameDropped(cause: "busy" | "throttled"): void {
    if (cause === "busy") this.#window.droppedBusy += 1;
    else this.#window.droppedThrottled += 1;
    this.#total.dropped += 1;
  }

  badFrame(reason: string): void {
    this.#window.bad += 1;
    this.#total.bad += 1;
    this.#lastBadReason = reason;
  }

  inferenceFailed(): void {
    this.#window.failed += 1;
  }

  /** `latencyMs`: from arrival at the node to outputs published. */
  frameProcessed(latencyMs: number): void {
    this.#window.processed += 1;
    this.#total.processed += 1;
    this.#latenciesMs.push(latencyMs);
  }

  get totals(): Readonly<{ received: number; processed: number; dropped: number; bad: number }> {
    return { ...this.#total };
  }

  /** Builds this camera's status for the window that ends now, and starts a new window. */
  report(
    nodeName: string,
    nowMs: number,
    windowS: number,
    silentAfterS: number,
    sinceMs: number,
  ): DiagnosticStatusValues {
    const window = this.#window;
    const latencies = [...this.#latenciesMs].sort((a, b) => a - b);
    const dropRatio = window.received > 0 ? window.droppedBusy / window.received : 0;
    const silentS = (nowMs - (this.#lastReceivedMs ?? sinceMs)) / 1000;
    const problems: Array<[DiagnosticLevelValue, string]> = [];
    if (window.failed > 0)
      problems.push([DiagnosticLevel.ERROR, `inference failed on ${window.failed} frames`]);
    if (silentS >= silentAfterS) {
      problems.push([
        DiagnosticLevel.WARN,
        this.#lastReceivedMs === undefined
          ? `no images yet on ${this.topic}`
          : `no images for ${silentS.toFixed(1)} s`,
      ]);
    }
    if (dropRatio > 0.5)
      problems.push([DiagnosticLevel.WARN, `dropping ${Math.round(dropRatio * 100)}% of frames`]);
    if (window.bad > 0)
      problems.push([DiagnosticLevel.WARN, `${window.bad} bad frames (${this.#lastBadReason})`]);
    const level = worst(problems.map(([problemLevel]) => problemLevel));
    const status: DiagnosticStatusValues = {
      level,
      name: `${nodeName}: camera ${this.name}`,
      message: problems.length === 0 ? "OK" : problems.map(([, text]) => text).join("; "),
      hardwareId: this.topic,
      values: [
        ["topic", this.topic],
        ["input_rate_hz", round(window.received / windowS, 2)],
        ["output_rate_hz", round(window.processed / windowS, 2)],
        ["drop_ratio", round(dropRatio, 3)],
        ["frames_dropped_busy", window.droppedBusy],
        ["frames_dropped_throttled", window.droppedThrottled],
        ["bad_frames", window.bad],
        ["latency_p50_ms", round(percentile(latencies, 0.5), 2)],
        ["latency_p99_ms", round(percentile(latencies, 0.99), 2)],
        ["frames_received_total", this.#total.received],
        ["frames_processed_total", this.#total.processed],
        ["frames_dropped_total", this.#total.dropped],
        ["bad_frames_total", this.#total.bad],
      ],
    };
    this.#window = { received: 0, processed: 0, droppedBusy: 0, droppedThrottled: 0, bad: 0, failed: 0 };
    this.#latenciesMs = [];
    return status;
  }
}

/**
 * How late the node's main thread ran its timers over a report's window (Node's event-loop delay):
 * the thread that takes images, runs the engine and publishes. A frame that arrives while it is
 * held up waits in the subscription, and one more from the same camera replaces it there unseen.
 */
export interface MainThreadDelay {
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Engine-side counters. */
export class EngineStatistics {
  readonly provider: string;
  readonly model: string;
  #batches = 0;
  #images = 0;
  #runMs: number[] = [];
  #failures = 0;
  #failuresTotal = 0;
  #lastError = "";

  constructor(provider: string, model: string) {
    this.provider = provider;
    this.model = model;
  }

  batchRan(batchSize: number, runMs: number): void {
    this.#batches += 1;
    this.#images += batchSize;
    this.#runMs.push(runMs);
  }

  inferenceFailed(message: string): void {
    this.#failures += 1;
    this.#failuresTotal += 1;
    this.#lastError = message;
  }

  report(nodeName: string, windowS: number, mainThread?: MainThreadDelay): DiagnosticStatusValues {
    const runMs = [...this.#runMs].sort((a, b) => a - b);
    const failed = this.#failures > 0;
    const status: DiagnosticStatusValues = {
      level: failed ? DiagnosticLevel.ERROR : DiagnosticLevel.OK,
      name: `${nodeName}: engine`,
      message: failed ? `inference failed ${this.#failures} times: ${this.#lastError}` : "OK",
      hardwareId: this.provider,
      values: [
        ["provider", this.provider],
        ["model", this.model],
        ["batch_rate_hz", round(this.#batches / windowS, 2)],
        ["mean_batch_size", this.#batches > 0 ? round(this.#images / this.#batches, 2) : 0],
        ["inference_p50_ms", round(percentile(runMs, 0.5), 2)],
        ["inference_p99_ms", round(percentile(runMs, 0.99), 2)],
        ["inference_failures", this.#failures],
        ["inference_failures_total", this.#failuresTotal],
        ["last_error", this.#lastError],
        ...(mainThread === undefined
          ? []
          : ([
              ["main_thread_delay_p99_ms", round(mainThread.p99Ms, 2)],
              ["main_thread_delay_max_ms", round(mainThread.maxMs, 2)],
            ] as const)),
      ],
    };
    this.#batches = 0;
    this.#images = 0;
    this.#runMs = [];
    this.#failures = 0;
    return status;
  }
}

/** All statistics of one node and the report that becomes a DiagnosticArray. */
export class NodeDiagnostics {
  readonly cameras: readonly CameraStatistics[];
  readonly engine: EngineStatistics;
  /** With compare_model: the comparison's status, reported after the cameras'. */
  comparison: { report(nodeName: string): DiagnosticStatusValues } | undefined;
  readonly #nodeName: string;
  #windowStartMs: number;
  readonly #startMs: number;

  constructor(
    nodeName: string,
    cameras: ReadonlyArray<{ name: string; topic: string }>,
    engine: { provider: string; model: string },
    nowMs: number,
  ) {
    this.#nodeName = nodeName;
    this.cameras = cameras.map((camera) => new CameraStatistics(camera.name, camera.topic));
    this.engine = new EngineStatistics(engine.provider, engine.model);
    this.#windowStartMs = nowMs;
    this.#startMs = nowMs;
  }

  /**
   * Statuses for the window since the previous report (engine first, then cameras in order); the
   * engine's carries `mainThread` when the caller measures it.
   */
  report(nowMs: number, silentAfterS: number, mainThread?: MainThreadDelay): DiagnosticStatusValues[] {
    const windowS = Math.max(1e-3, (nowMs - this.#windowStartMs) / 1000);
    this.#windowStartMs = nowMs;
    return [
      this.engine.report(this.#nodeName, windowS, mainThread),
      ...this.cameras.map((camera) =>
        camera.report(this.#nodeName, nowMs, windowS, silentAfterS, this.#startMs),
      ),
      ...(this.comparison !== undefined ? [this.comparison.report(this.#nodeName)] : []),
    ];
  }
}
