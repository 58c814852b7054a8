/**
 * The /diagnostics status of a comparison (compare_model): frames compared, and how many of them
 * the two models disagreed on, in steering (curvatures further apart than
 * compare_steering_threshold) or in where they look (mean mask difference above
 * compare_mask_threshold). WARN while disagreements occur, so a monitor shows where on a drive
 * the new model departs from the old; OK otherwise. The comparison runs only while someone
 * subscribes, so "0 compared" is normal with no one listening.
 */
import { DiagnosticLevel, type DiagnosticStatusValues } from "../frame/messages";

/** One compared frame's figures. */
export interface ComparedFrame {
  /** |compare - main| curvature, 1/m. */
  readonly curvatureDifference: number;
  readonly maskDifference: number;
  readonly topIou: number;
}

export interface DisagreementThresholds {
  readonly steering: number;
  readonly mask: number;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const emptyWindow = () => ({ compared: 0, steering: 0, look: 0, failed: 0, curvature: 0, mask: 0, iou: 0 });

export class ComparisonStatistics {
  readonly model: string;
  readonly compareModel: string;
  #window = emptyWindow();
  #total = { compared: 0, steering: 0, look: 0 };
  #lastError = "";

  constructor(model: string, compareModel: string) {
    this.model = model;
    this.compareModel = compareModel;
  }

  /** Counts a compared frame; returns whether it is a disagreement (steering or look). */
  compared(frame: ComparedFrame, thresholds: DisagreementThresholds): boolean {
    const steering = frame.curvatureDifference > thresholds.steering;
    const look = frame.maskDifference > thresholds.mask;
    const w = this.#window;
    w.compared += 1;
    w.curvature += frame.curvatureDifference;
    w.mask += frame.maskDifference;
    w.iou += frame.topIou;
    this.#total.compared += 1;
    if (steering) {
      w.steering += 1;
      this.#total.steering += 1;
    }
    if (look) {
      w.look += 1;
      this.#total.look += 1;
    }
    return steering || look;
  }

  /** The compared model's run failed for a batch. */
  failed(message: string): void {
    this.#window.failed += 1;
    this.#lastError = message;
  }

  get totals(): Readonly<{ compared: number; steering: number; look: number }> {
    return { ...this.#total };
  }

  /** The status for the window that ends now; starts a new window. */
  report(nodeName: string, thresholds: DisagreementThresholds): DiagnosticStatusValues {
    const w = this.#window;
    const mean = (sum: number): number => (w.compared > 0 ? sum / w.compared : 0);
    const problems: string[] = [];
    if (w.failed > 0) problems.push(`the compared model failed on ${w.failed} batches: ${this.#lastError}`);
    if (w.steering > 0) problems.push(`${w.steering} of ${w.compared} frames steer differently`);
    if (w.look > 0) problems.push(`${w.look} of ${w.compared} frames look differently`);
    const status: DiagnosticStatusValues = {
      level:
        w.failed > 0
          ? DiagnosticLevel.ERROR
          : problems.length > 0
            ? DiagnosticLevel.WARN
            : DiagnosticLevel.OK,
      name: `${nodeName}: comparison`,
      message:
        problems.length > 0
          ? problems.join("; ")
          : w.compared > 0
            ? "OK: the models agree"
            : "OK: no one subscribes",
      hardwareId: `${this.model} vs ${this.compareModel}`,
      values: [
        ["model", this.model],
        ["compare_model", this.compareModel],
        ["frames_compared", w.compared],
        ["steering_disagreements", w.steering],
        ["look_disagreements", w.look],
        ["steering_threshold", thresholds.steering],
        ["mask_threshold", thresholds.mask],
        ["mean_curvature_difference", round(mean(w.curvature), 6)],
        ["mean_mask_difference", round(mean(w.mask), 4)],
        ["mean_top_iou", round(mean(w.iou), 3)],
        ["frames_compared_total", this.#total.compared],
        ["steering_disagreements_total", this.#total.steering],
        ["look_disagreements_total", this.#total.look],
      ],
    };
    this.#window = emptyWindow();
    return status;
  }
}
