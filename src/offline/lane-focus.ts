/**
 * `bag --compare --report` on a synthetic drive bag: which model looks at lane markings more. The
 * bag's drive record (synthetic-drive-record.ts) lets the drive's ground truth be rendered again
 * for each processed frame, found by its header stamp; both models' masks on the camera frame
 * (mono8, as the mask topics carry them) are measured with `eval`'s lane and distractor focus,
 * each inside its own model's crop. Sums accumulate per frame; no mask or frame is kept.
 */
import { SyntheticDrive } from "../drive/drive";
import { cropPixelRect, FocusAccumulator, type PixelRect } from "../eval/mask-metrics";
import { cropRectangle, type PreprocessSpec } from "../image/preprocess";
import type { ProcessedFrame } from "./bag-processor";
import type { BagMetadataRecord } from "../bag/rosbag2-types";
import {
  driveFrameIndex,
  findSyntheticDriveRecord,
  type SyntheticDriveRecord,
} from "./synthetic-drive-record";

/** One model's focus figures (eval's: 1 is a uniform mask; lane higher and distractor lower is better). */
export interface FocusFigures {
  readonly laneFocus: number;
  readonly distractorFocus: number;
}

/** Both models' figures over the frames measured. */
export interface LaneFocusFigures {
  readonly frames: number;
  readonly main: FocusFigures;
  readonly compare: FocusFigures;
}

interface Side {
  readonly rect: PixelRect;
  readonly lane: FocusAccumulator;
  readonly distractor: FocusAccumulator;
}

/** Measures both models' masks against the drive's truth, frame by frame. */
export class LaneFocusComparison {
  readonly #record: SyntheticDriveRecord;
  readonly #drive: SyntheticDrive;
  readonly #main: Side;
  readonly #compare: Side;
  #frames = 0;

  /** `main` and `compare` are the two models' preprocessing specs (their crops). */
  constructor(record: SyntheticDriveRecord, main: PreprocessSpec, compare: PreprocessSpec) {
    this.#record = record;
    this.#drive = new SyntheticDrive({
      seed: record.seed,
      width: record.width,
      height: record.height,
      rateHz: record.rateHz,
    });
    const side = (spec: PreprocessSpec): Side => ({
      rect: cropPixelRect(cropRectangle(spec, record.width, record.height), record.width, record.height),
      lane: new FocusAccumulator(),
      distractor: new FocusAccumulator(),
    });
    this.#main = side(main);
    this.#compare = side(compare);
  }

  /**
   * The processor's frame: measured when it is on the drive's camera topic, at the drive's size,
   * with a stamp on the drive's grid and both masks on the frame; otherwise passed over.
   */
  offer(frame: ProcessedFrame): void {
    const masks = frame.result.compare?.frameMasks;
    if (masks === undefined || frame.camera.topic !== this.#record.topic) return;
    const pixels = this.#record.width * this.#record.height;
    if (masks.main.length !== pixels || masks.compare.length !== pixels) return;
    const index = driveFrameIndex(this.#record, frame.stampNs);
    if (index === undefined) return;
    const truth = this.#drive.frame(index).truth;
    for (const [side, mask] of [
      [this.#main, masks.main],
      [this.#compare, masks.compare],
    ] as const) {
      side.lane.add(mask, truth.laneMask, this.#record.width, side.rect);
      side.distractor.add(mask, truth.distractorMask, this.#record.width, side.rect);
    }
    this.#frames++;
  }

  figures(): LaneFocusFigures {
    const of = (side: Side): FocusFigures => ({
      laneFocus: side.lane.ratio(),
      distractorFocus: side.distractor.ratio(),
    });
    return { frames: this.#frames, main: of(this.#main), compare: of(this.#compare) };
  }
}

/**
 * The measure for a bag with these metadata records: undefined when it is not a synthetic drive
 * bag; throws (naming the field) when its drive record is damaged.
 */
export function laneFocusForBag(
  records: readonly BagMetadataRecord[],
  main: PreprocessSpec,
  compare: PreprocessSpec,
): LaneFocusComparison | undefined {
  const record = findSyntheticDriveRecord(records);
  return record === undefined ? undefined : new LaneFocusComparison(record, main, compare);
}

/**
 * The summary's sentence: which model looks at lane markings more, with both models' lane and
 * distractor focus (the one named first, first). When no frame could be measured it says so, so a
 * missing answer is not mistaken for a bag without the record; undefined when the crops hold no
 * lane marking. Two models of the same name are told apart by their option.
 */
export function laneFocusSentence(
  mainModel: string,
  compareModel: string,
  figures: LaneFocusFigures,
): string | undefined {
  const { main, compare } = figures;
  if (figures.frames === 0)
    return (
      "The bag is a synthetic drive, but no processed frame matched its drive record (camera topic, " +
      "frame size, stamps), so which model looks at lane markings more was not measured."
    );
  if (!Number.isFinite(main.laneFocus) || !Number.isFinite(compare.laneFocus)) return undefined;
  const same = mainModel === compareModel;
  const a = { name: same ? `${mainModel} (--model)` : mainModel, f: main };
  const b = { name: same ? `${compareModel} (--compare)` : compareModel, f: compare };
  const [first, second] = compare.laneFocus > main.laneFocus ? [b, a] : [a, b];
  const fixed = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
  const lead =
    main.laneFocus === compare.laneFocus
      ? `${first.name} and ${second.name} look at lane markings alike`
      : `${first.name} looks at lane markings more than ${second.name}`;
  return (
    `${lead}: lane focus ${fixed(first.f.laneFocus)} vs ${fixed(second.f.laneFocus)}, ` +
    `distractor focus ${fixed(first.f.distractorFocus)} vs ${fixed(second.f.distractorFocus)} ` +
    `(eval's measures on the synthetic drive's ground truth, ${figures.frames} frames; 1 is no better than a uniform mask).`
  );
}
