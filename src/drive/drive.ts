/**
 * The continuous synthetic drive: a car at constant speed on a generated road, wandering a little
 * around its lane centre, filmed at a fixed rate. The frame source for the ROS node, the bag tools,
 * the data export and the evaluation. Frame i is a pure function of (options, i).
 */
import type { RgbFrame } from "../image/frame";
import { Camera, DEFAULT_CAMERA } from "./camera";
import { Random, seedState, type DriveSeed } from "./random";
import { renderView, type ViewPose } from "./render";
import { Road, type VarietyMix } from "./road";
import { Scene } from "./scene";

export interface DriveOptions {
  readonly seed: DriveSeed;
  /** Frame width, pixels (default 640, at least MIN_FRAME_WIDTH). */
  readonly width?: number;
  /** Frame height, pixels (default 480, at least MIN_FRAME_HEIGHT). */
  readonly height?: number;
  /** Frames per second (default 30). */
  readonly rateHz?: number;
  /** Car speed, m/s (default 15). */
  readonly speed?: number;
  /** Largest lateral wander of the car around its lane centre, metres (default 0.3). */
  readonly wander?: number;
  /** Share of marking stretches redrawn for training variety (RoadOptions.markingVariety; default 0). */
  readonly markingVariety?: number;
  /** What a varied stretch redraws (RoadOptions.varietyMix; default "lines"). */
  readonly varietyMix?: VarietyMix;
}

export interface FrameTruth {
  /**
   * Road curvature ahead, 1/m, positive when the road turns left: the mean over the lane centre
   * from CURVATURE_WINDOW.from to CURVATURE_WINDOW.to metres ahead of the car.
   */
  readonly curvature: number;
  /** Metres the camera is left of the lane centre. */
  readonly lateralOffset: number;
  /** Camera heading minus road heading, radians, positive when pointing left of the road. */
  readonly headingError: number;
  /** width * height, 1 on lane markings and road edges. */
  readonly laneMask: Uint8Array;
  /** width * height, 1 on trees, poles, parked cars, clouds and shadows; disjoint from laneMask. */
  readonly distractorMask: Uint8Array;
  /**
   * width * height: which line of the car's lane a laneMask pixel shows, LANE_LINE.left (the
   * centre line) or LANE_LINE.right (the right line); 0 elsewhere (far line, road edges, no line).
   */
  readonly lineMask: Uint8Array;
}

export interface DriveFrame {
  readonly index: number;
  readonly timeSec: number;
  readonly image: RgbFrame;
  readonly truth: FrameTruth;
}

export const MIN_FRAME_WIDTH = 64;
export const MIN_FRAME_HEIGHT = 48;
export const MAX_FRAME_SIDE = 8192;
/** The curvature label averages the road from 5 m to 25 m ahead: the stretch the camera sees well. */
export const CURVATURE_WINDOW = { from: 5, to: 25 } as const;

interface Wave {
  readonly amplitude: number;
  readonly wavenumber: number;
  readonly phase: number;
}

export class SyntheticDrive {
  readonly seed: DriveSeed;
  readonly width: number;
  readonly height: number;
  readonly rateHz: number;
  readonly speed: number;
  readonly wander: number;
  readonly road: Road;
  readonly scene: Scene;
  readonly camera: Camera;
  #waves: readonly Wave[];

  constructor(options: DriveOptions) {
    if (options === null || typeof options !== "object")
      throw new Error("SyntheticDrive: options must be an object");
    const state = seedState(options.seed);
    this.seed = options.seed;
    this.width = checkSize("width", options.width ?? 640, MIN_FRAME_WIDTH);
    this.height = checkSize("height", options.height ?? 480, MIN_FRAME_HEIGHT);
    this.rateHz = checkPositive("rateHz", options.rateHz ?? 30, 1000);
    this.speed = checkPositive("speed", options.speed ?? 15, 60);
    this.wander = options.wander ?? 0.3;
    if (!Number.isFinite(this.wander) || this.wander < 0 || this.wander > 1.5) {
      throw new Error(`SyntheticDrive: wander must be between 0 and 1.5 m, got ${options.wander}`);
    }
    this.road = new Road(state, { markingVariety: options.markingVariety, varietyMix: options.varietyMix });
    this.scene = new Scene(state);
    this.camera = new Camera({ width: this.width, height: this.height, ...DEFAULT_CAMERA });
    const random = Random.derive(state, 3);
    const waves: Wave[] = [];
    for (let i = 0; i < 3; i++) {
      waves.push({
        amplitude: this.wander * random.range(0.2, 0.45),
        wavenumber: (2 * Math.PI) / random.range(60, 260),
        phase: random.range(0, 2 * Math.PI),
      });
    }
    this.#waves = waves;
  }

  /** Arc length of the car at frame `index`, metres. */
  distanceAt(index: number): number {
    checkIndex(index);
    return (index / this.rateHz) * this.speed;
  }

  /** The car's own pose at frame `index`: heading error is the slope of its wander. */
  poseAt(index: number): ViewPose {
    const s = this.distanceAt(index);
    let lateral = 0;
    let slope = 0;
    for (const wave of this.#waves) {
      lateral += wave.amplitude * Math.sin(wave.wavenumber * s + wave.phase);
      slope += wave.amplitude * wave.wavenumber * Math.cos(wave.wavenumber * s + wave.phase);
    }
    return { s, lateral, headingError: Math.atan(slope) };
  }

  /** Road curvature ahead of arc length s (see FrameTruth.curvature). */
  curvatureAhead(s: number): number {
    return this.road.meanCurvature(s + CURVATURE_WINDOW.from, s + CURVATURE_WINDOW.to);
  }

  /** Frame `index` as the car's camera sees it. */
  frame(index: number): DriveFrame {
    return this.view(index, this.poseAt(index));
  }

  /** Frame `index`'s moment seen from any pose (used for shifted and rotated training views). */
  view(index: number, pose: ViewPose): DriveFrame {
    checkIndex(index);
    const rendered = renderView(this.road, this.scene, this.camera, pose);
    return {
      index,
      timeSec: index / this.rateHz,
      image: rendered.image,
      truth: {
        curvature: this.curvatureAhead(pose.s),
        lateralOffset: pose.lateral,
        headingError: pose.headingError,
        laneMask: rendered.laneMask,
        distractorMask: rendered.distractorMask,
        lineMask: rendered.lineMask,
      },
    };
  }

  /** `count` consecutive frames from `start`. */
  *frames(count: number, start = 0): Generator<DriveFrame> {
    checkIndex(start);
    if (!Number.isSafeInteger(count) || count < 0)
      throw new Error(`frames: count must be a non-negative integer, got ${count}`);
    for (let i = 0; i < count; i++) yield this.frame(start + i);
  }
}

function checkSize(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > MAX_FRAME_SIDE) {
    throw new Error(
      `SyntheticDrive: ${name} must be an integer from ${min} to ${MAX_FRAME_SIDE} pixels, got ${value}`,
    );
  }
  return value;
}

function checkPositive(name: string, value: number, max: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`SyntheticDrive: ${name} must be a number above 0 and at most ${max}, got ${value}`);
  }
  return value;
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new Error(`SyntheticDrive: frame index must be a non-negative integer, got ${index}`);
  }
}
