/**
 * Progress on stderr: a redrawn bar on a terminal (frames, rate, time left), plain lines otherwise
 * (every tenth of the way or every few seconds), so logs and CI output stay readable.
 */
import type { Progress } from "./bag-processor";

export interface ProgressOptions {
  /** Where the text goes (stderr); receives whole lines, or `\r`-led redraws on a terminal. */
  readonly write: (text: string) => void;
  /** Draw a bar (stderr is a terminal) or print lines. */
  readonly tty: boolean;
  /** Terminal width for the bar, default 80. */
  readonly columns?: number;
  /** Milliseconds between lines when not a terminal, at most; default 5000. */
  readonly lineIntervalMs?: number;
}

/** `m:ss` (or `h:mm:ss`) for a number of seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** The numbers both styles show. */
function figures(p: Progress): { rate: number; left: number | undefined; fraction: number | undefined } {
  const rate = p.elapsedMs > 0 ? (p.frames * 1000) / p.elapsedMs : 0;
  if (p.total <= 0) return { rate, left: undefined, fraction: undefined };
  const fraction = Math.min(1, p.frames / p.total);
  const left = rate > 0 ? Math.max(0, p.total - p.frames) / rate : undefined;
  return { rate, left, fraction };
}

/** One progress line without a bar: `120/300 frames (40 %), 45.2 frames/s, 0:04 left`. */
export function progressText(p: Progress): string {
  const { rate, left, fraction } = figures(p);
  const count =
    p.total > 0
      ? `${p.frames}/${p.total} frames (${Math.floor((fraction ?? 0) * 100)} %)`
      : `${p.frames} frames`;
  const eta = left === undefined ? "" : `, ${formatDuration(left)} left`;
  return `${count}, ${rate.toFixed(1)} frames/s${eta}`;
}

/** A bar of `width` cells, `#` for done. */
export function progressBar(fraction: number, width: number): string {
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${"#".repeat(done)}${"-".repeat(width - done)}]`;
}

export class ProgressReporter {
  readonly #options: ProgressOptions;
  #lastLineMs = -Infinity;
  #lastTenth = 0;
  #drawn = false;

  constructor(options: ProgressOptions) {
    this.#options = { ...options };
  }

  update(p: Progress): void {
    if (this.#options.tty) {
      const text = progressText(p);
      const { fraction } = figures(p);
      const columns = this.#options.columns ?? 80;
      // The bar takes what the numbers leave of the line, or is left out on a narrow terminal.
      const barWidth = Math.min(40, columns - 1 - text.length - 3);
      const line =
        fraction === undefined || barWidth < 10 ? text : `${progressBar(fraction, barWidth)} ${text}`;
      this.#options.write(`\r\x1b[K${line.slice(0, columns - 1)}`);
      this.#drawn = true;
      return;
    }
    const tenth = p.total > 0 ? Math.floor((p.frames / p.total) * 10) : 0;
    const interval = this.#options.lineIntervalMs ?? 5000;
    if (tenth > this.#lastTenth || p.elapsedMs - this.#lastLineMs >= interval) {
      this.#lastTenth = tenth;
      this.#lastLineMs = p.elapsedMs;
      this.#options.write(`bag: ${progressText(p)}\n`);
    }
  }

  /** Ends the bar's line so the summary starts on a fresh one. */
  finish(): void {
    if (this.#drawn) this.#options.write("\n");
    this.#drawn = false;
  }
}
