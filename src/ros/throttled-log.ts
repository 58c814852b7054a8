/**
 * Log lines that repeat at frame rate (a camera sending a bad encoding at 30 Hz) are written at
 * most once per period per key, with the number suppressed in between, so /rosout stays readable
 * and the node keeps its time for frames.
 */
import type { RosLogger } from "./ros-api";

export class ThrottledLog {
  readonly #logger: RosLogger;
  readonly #periodMs: number;
  readonly #nowMs: () => number;
  readonly #last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(logger: RosLogger, periodMs: number, nowMs: () => number) {
    this.#logger = logger;
    this.#periodMs = periodMs;
    this.#nowMs = nowMs;
  }

  warn(key: string, message: string): void {
    this.#write(key, message, (line) => this.#logger.warn(line));
  }

  error(key: string, message: string): void {
    this.#write(key, message, (line) => this.#logger.error(line));
  }

  #write(key: string, message: string, write: (line: string) => void): void {
    const now = this.#nowMs();
    const last = this.#last.get(key);
    if (last !== undefined && now - last.atMs < this.#periodMs) {
      last.suppressed += 1;
      return;
    }
    const suffix =
      last !== undefined && last.suppressed > 0 ? ` (${last.suppressed} more since the last report)` : "";
    this.#last.set(key, { atMs: now, suppressed: 0 });
    write(message + suffix);
  }
}
