/**
 * The generated road: a centreline whose curvature is piecewise linear in arc length (straights,
 * arcs, and clothoid-like ramps between them, turning both ways), and lane-marking stretches.
 * Lateral positions are measured from the centre of the car's lane, positive to the left.
 * Curvature is positive when the road turns left (counter-clockwise seen from above), in 1/m.
 */
import { Random } from "./random";

/** Lateral layout of the road, metres from the centre of the car's lane (left positive). */
export const ROAD_LAYOUT = {
  laneWidth: 3.5,
  /** Solid line at the right edge of the car's lane. */
  rightLine: -1.75,
  /** Centre line between the car's lane and the oncoming lane. */
  centreLine: 1.75,
  /** Solid line at the far (left) edge of the oncoming lane. */
  leftLine: 5.25,
  /** Asphalt ends here: the road edges. */
  rightEdge: -2.3,
  leftEdge: 5.8,
  lineWidth: 0.15,
  /** Dashed centre line: 3 m paint every 12 m. */
  dashLength: 3,
  dashPeriod: 12,
} as const;

export type LineKind = "solid" | "dashed" | "none";
export type VergeKind = "grass" | "dirt";

/** Which markings and verges a stretch of road has. */
export interface MarkingStretch {
  readonly start: number;
  readonly end: number;
  readonly right: LineKind;
  readonly centre: LineKind;
  readonly left: LineKind;
  readonly rightVerge: VergeKind;
  readonly leftVerge: VergeKind;
  /**
   * Training variety only (see RoadOptions.markingVariety); absent on every default road, which
   * therefore renders exactly as before. Lane width, metres (the lines sit at ±width/2 around the
   * car's lane centre, the far line at 1.5 widths, the edges 0.55 m outside the outer lines).
   */
  readonly laneWidth?: number;
  /** Paint left on worn lines, 0..1 (1 = fresh); worn paint is also patchy along the line. */
  readonly wear?: number;
  /**
   * Training variety, the "shoulders" mix only: metres of asphalt between the right line and the
   * right road edge, and between the far line and the left edge (0.55 m when absent).
   */
  readonly rightShoulder?: number;
  readonly leftShoulder?: number;
}

/** The lateral positions of one stretch's lines and edges, metres from the car's lane centre. */
export interface LaneGeometry {
  readonly rightLine: number;
  readonly centreLine: number;
  readonly leftLine: number;
  readonly rightEdge: number;
  readonly leftEdge: number;
}

/** Where a stretch's lines lie: ROAD_LAYOUT's own constants unless the stretch has its own width. */
export function laneGeometry(stretch: MarkingStretch): LaneGeometry {
  const width = stretch.laneWidth;
  if (width === undefined) return ROAD_LAYOUT;
  const verge = ROAD_LAYOUT.leftEdge - ROAD_LAYOUT.leftLine;
  return {
    rightLine: -width / 2,
    centreLine: width / 2,
    leftLine: 1.5 * width,
    rightEdge: -width / 2 - (stretch.rightShoulder ?? verge),
    leftEdge: 1.5 * width + (stretch.leftShoulder ?? verge),
  };
}

/**
 * How varied stretches are redrawn (RoadOptions.varietyMix). "lines": each line of the car's lane
 * solid 40 %, dashed 30 %, missing 30 %, the road edges 0.55 m outside the outer lines, as on the
 * default road. "shoulders": the centre line solid 60 %, dashed 25 %, missing 15 % (the default
 * road's right line is solid 80 % of the time and its centre line dashed 55 %, so solid paint
 * said "right line"), and shoulders of 0.25–1.5 m (a line with the edge 0.55 m beyond it said
 * "right line" too).
 */
export type VarietyMix = "lines" | "shoulders";
export const VARIETY_MIXES: readonly VarietyMix[] = ["lines", "shoulders"];

export interface RoadOptions {
  /**
   * Share (0..1) of marking stretches redrawn for training variety from a separate random stream,
   * so the road's shape and its other stretches stay those of the default road: lane widths
   * 2.8–4.2 m, either line of the car's lane solid, dashed or missing (never both missing), and
   * worn, patchy paint. A model then has to find the lane from both lines: with one line and an
   * unknown width it cannot tell where the lane centre is. Default 0 (the evaluation drives).
   */
  readonly markingVariety?: number;
  /** What a varied stretch redraws (default "lines"; see VarietyMix). */
  readonly varietyMix?: VarietyMix;
}

/** Centreline pose at an arc length. */
export interface RoadPose {
  readonly x: number;
  readonly y: number;
  /** Direction of travel, radians, counter-clockwise from +x. */
  readonly heading: number;
}

interface CurvatureSegment {
  readonly start: number;
  readonly length: number;
  readonly from: number;
  readonly to: number;
}

/** Sample spacing of the stored centreline, metres. */
const STEP = 0.25;
/** Tightest curve: radius 45 m (1/45 1/m); gentlest non-straight curve: radius 500 m. */
export const MAX_CURVATURE = 1 / 45;
const MIN_CURVATURE = 1 / 500;

/** An endless road, generated on demand and cached, so frame(i) works in any order. */
export class Road {
  #shapeRandom: Random;
  #markRandom: Random;
  #varietyRandom: Random;
  #variety: number;
  #mix: VarietyMix;
  #segments: CurvatureSegment[] = [];
  #stretches: MarkingStretch[] = [];
  #xs: number[] = [0];
  #ys: number[] = [0];
  #headings: number[] = [0];

  constructor(state: number, options: RoadOptions = {}) {
    this.#shapeRandom = Random.derive(state, 1);
    this.#markRandom = Random.derive(state, 2);
    this.#varietyRandom = Random.derive(state, 7);
    this.#variety = options.markingVariety ?? 0;
    if (!(this.#variety >= 0 && this.#variety <= 1))
      throw new Error(`Road: markingVariety must be in [0, 1], got ${options.markingVariety}`);
    this.#mix = options.varietyMix ?? "lines";
    if (!VARIETY_MIXES.includes(this.#mix))
      throw new Error(
        `Road: varietyMix must be one of ${VARIETY_MIXES.join(", ")}, got ${String(options.varietyMix)}`,
      );
    // Start on a straight so the first frames are calm.
    this.#segments.push({ start: 0, length: this.#shapeRandom.range(40, 90), from: 0, to: 0 });
  }

  /** Curvature (1/m, left positive) at arc length s >= 0. */
  curvatureAt(s: number): number {
    const segment = this.#segmentAt(s);
    const f = segment.length > 0 ? (s - segment.start) / segment.length : 0;
    return segment.from + (segment.to - segment.from) * Math.min(1, Math.max(0, f));
  }

  /** Mean curvature over [s0, s1], by the trapezoid rule at 0.5 m. */
  meanCurvature(s0: number, s1: number): number {
    const n = Math.max(1, Math.ceil((s1 - s0) / 0.5));
    let sum = 0;
    for (let i = 0; i <= n; i++) {
      const weight = i === 0 || i === n ? 0.5 : 1;
      sum += weight * this.curvatureAt(s0 + ((s1 - s0) * i) / n);
    }
    return sum / n;
  }

  /** Centreline pose at arc length s >= 0 (linear between 0.25 m samples). */
  pose(s: number): RoadPose {
    if (s < 0) {
      // Before the start the road is the straight it starts with.
      return { x: s, y: 0, heading: 0 };
    }
    this.#extendSamples(s + STEP);
    const k = Math.floor(s / STEP);
    const f = s / STEP - k;
    return {
      x: this.#xs[k] + (this.#xs[k + 1] - this.#xs[k]) * f,
      y: this.#ys[k] + (this.#ys[k + 1] - this.#ys[k]) * f,
      heading: this.#headings[k] + (this.#headings[k + 1] - this.#headings[k]) * f,
    };
  }

  /** Markings and verges at arc length s. */
  stretchAt(s: number): MarkingStretch {
    while (this.#stretches.length === 0 || this.#stretches[this.#stretches.length - 1].end <= s) {
      this.#addStretch();
    }
    let lo = 0;
    let hi = this.#stretches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#stretches[mid].end <= s) lo = mid + 1;
      else hi = mid;
    }
    return this.#stretches[lo];
  }

  #segmentAt(s: number): CurvatureSegment {
    while (this.#lastEnd() <= s) this.#addCurve();
    let lo = 0;
    let hi = this.#segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const segment = this.#segments[mid];
      if (segment.start + segment.length <= s) lo = mid + 1;
      else hi = mid;
    }
    return this.#segments[lo];
  }

  #lastEnd(): number {
    const last = this.#segments[this.#segments.length - 1];
    return last.start + last.length;
  }

  /** Adds a ramp to a new curvature and a stretch that holds it. */
  #addCurve(): void {
    const random = this.#shapeRandom;
    const current = this.#segments[this.#segments.length - 1].to;
    let target = 0;
    if (!random.chance(0.25)) {
      // Uniform in curvature, not radius, so tight and gentle curves are both common.
      target = random.sign() * random.range(MIN_CURVATURE, MAX_CURVATURE);
    }
    const rampLength = random.range(15, 35) + 400 * Math.abs(target - current);
    let start = this.#lastEnd();
    this.#segments.push({ start, length: rampLength, from: current, to: target });
    start += rampLength;
    this.#segments.push({ start, length: random.range(30, 140), from: target, to: target });
  }

  #addStretch(): void {
    const random = this.#markRandom;
    const start = this.#stretches.length === 0 ? 0 : this.#stretches[this.#stretches.length - 1].end;
    const first = this.#stretches.length === 0;
    const roll = random.next();
    // Never both lines of the car's lane missing; the start has all markings.
    const centre: LineKind = first ? "dashed" : roll < 0.55 ? "dashed" : roll < 0.8 ? "solid" : "none";
    const right: LineKind = first || centre === "none" || random.chance(0.8) ? "solid" : "none";
    const left: LineKind = random.chance(0.7) ? "solid" : "none";
    const stretch: MarkingStretch = {
      start,
      end: start + random.range(80, 300),
      right,
      centre,
      left,
      rightVerge: random.chance(0.65) ? "grass" : "dirt",
      leftVerge: random.chance(0.65) ? "grass" : "dirt",
    };
    // The default stream is drawn first and in full, so variety never changes the road around it.
    this.#stretches.push(!first && this.#variety > 0 ? this.#varied(stretch) : stretch);
  }

  /** A stretch redrawn for training variety (RoadOptions.markingVariety), or the stretch unchanged. */
  #varied(stretch: MarkingStretch): MarkingStretch {
    const random = this.#varietyRandom;
    if (!random.chance(this.#variety)) return stretch;
    const shoulders = this.#mix === "shoulders";
    /** Solid below `solid`, dashed below `dashed` (cumulative), missing above. */
    const kind = (solid: number, dashed: number): LineKind => {
      const roll = random.next();
      return roll < solid ? "solid" : roll < dashed ? "dashed" : "none";
    };
    let right = kind(0.4, 0.7);
    const centre = shoulders ? kind(0.6, 0.85) : kind(0.4, 0.7);
    if (right === "none" && centre === "none") right = random.chance(0.5) ? "solid" : "dashed";
    const varied: MarkingStretch = {
      ...stretch,
      right,
      centre,
      laneWidth: random.range(2.8, 4.2),
      wear: random.chance(0.5) ? 1 : random.range(0.25, 0.9),
    };
    if (!shoulders) return varied;
    return { ...varied, rightShoulder: random.range(0.25, 1.5), leftShoulder: random.range(0.25, 1.5) };
  }

  #extendSamples(s: number): void {
    const need = Math.ceil(s / STEP) + 1;
    for (let k = this.#xs.length; k <= need; k++) {
      const mid = this.curvatureAt((k - 0.5) * STEP);
      const heading = this.#headings[k - 1];
      const midHeading = heading + (mid * STEP) / 2;
      this.#xs.push(this.#xs[k - 1] + Math.cos(midHeading) * STEP);
      this.#ys.push(this.#ys[k - 1] + Math.sin(midHeading) * STEP);
      this.#headings.push(heading + mid * STEP);
    }
  }
}
