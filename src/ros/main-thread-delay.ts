/**
 * The node's main thread's event-loop delay, per /diagnostics window (diagnostics.ts,
 * MainThreadDelay): Node's own histogram, read and reset at each report.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { MainThreadDelay } from "./diagnostics";

/** Measures between `start` and `stop`; `take` gives the window since the last take. */
export interface MainThreadDelaySource {
  start(): void;
  /** The delay since the previous call, or undefined before a sample. */
  take(): MainThreadDelay | undefined;
  stop(): void;
}

export class EventLoopDelay implements MainThreadDelaySource {
  #histogram: IntervalHistogram | undefined;

  start(): void {
    // 10 ms steps: a stall that costs camera frames is several 33 ms camera periods long.
    this.#histogram ??= monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
  }

  take(): MainThreadDelay | undefined {
    const histogram = this.#histogram;
    if (histogram === undefined || histogram.count === 0) return undefined;
    const delay = { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
    histogram.reset();
    return delay;
  }

  stop(): void {
    this.#histogram?.disable();
  }
}
