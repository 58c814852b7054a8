/**
 * How the package's processes take SIGINT and SIGTERM. The first asks for a graceful stop. Under
 * `ros2 launch` a Ctrl-C arrives twice at once (from the terminal to the whole process group, and
 * from launch to each child), so a repeat of the same signal within `repeatGraceMs` is the same
 * request. A later repeat, or a SIGTERM after a SIGINT, means "stop now". The listeners stay until
 * `dispose`, so no signal ever falls through to Node's default action, which kills the process
 * with the signal (launch then reports "process has died ... exit code -2").
 */
import type { EventEmitter } from "node:events";

export type StopSignal = "SIGINT" | "SIGTERM";

const SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM"];

export class StopSignals {
  /** The first signal. */
  readonly requested: Promise<StopSignal>;
  /** A signal that asks to stop without waiting (see the file comment). */
  readonly forced: Promise<StopSignal>;
  readonly #signals: EventEmitter;
  readonly #handlers = new Map<StopSignal, () => void>();

  constructor(signals: EventEmitter, nowMs: () => number = () => performance.now(), repeatGraceMs = 1000) {
    this.#signals = signals;
    let first: { signal: StopSignal; atMs: number } | undefined;
    let request!: (signal: StopSignal) => void;
    let force!: (signal: StopSignal) => void;
    this.requested = new Promise((resolve) => (request = resolve));
    this.forced = new Promise((resolve) => (force = resolve));
    for (const signal of SIGNALS) {
      const handler = (): void => {
        const now = nowMs();
        if (first === undefined) {
          first = { signal, atMs: now };
          request(signal);
        } else if (signal !== first.signal || now - first.atMs > repeatGraceMs) {
          force(signal);
        }
      };
      this.#handlers.set(signal, handler);
      signals.on(signal, handler);
    }
  }

  /** Removes the listeners. */
  dispose(): void {
    for (const [signal, handler] of this.#handlers) this.#signals.removeListener(signal, handler);
    this.#handlers.clear();
  }
}
