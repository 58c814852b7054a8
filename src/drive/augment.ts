/**
 * Training views as PilotNet made them: the camera shifted sideways and rotated off the car's
 * path, with the label changed to the curvature that brings the car back to the lane centre.
 *
 * Label correction (pure pursuit towards the lane centre L metres ahead, small angles): the lane
 * centre seen from a camera at lateral offset e (left positive) and heading error psi (left
 * positive) lies at y(x) = -e - psi*x + k*x^2/2, where k is the road's curvature; the arc through
 * the point at x = L has curvature 2*y(L)/L^2, so
 *
 *     label = k - 2*e/L^2 - 2*psi/L,     L = speed * RETURN_TIME_S (2 s, as in the PilotNet paper).
 *
 * Both corrections point back to the lane: a camera left of centre (e > 0) or pointing left
 * (psi > 0) gets a more rightward (more negative) label.
 */
import type { Random } from "./random";
import type { DriveFrame, SyntheticDrive } from "./drive";

/** Time in which the corrected label returns the car to the lane centre, seconds. */
export const RETURN_TIME_S = 2;

export interface ViewOffset {
  /** Extra sideways shift of the camera, metres, left positive. */
  readonly shift: number;
  /** Extra rotation of the camera, radians, left positive. */
  readonly rotation: number;
}

export interface TrainingView {
  readonly frame: DriveFrame;
  /** The steering target: curvature that returns the car to the lane centre, 1/m. */
  readonly label: number;
}

/** Curvature that returns a car at (lateralOffset, headingError) to the lane centre within `lookahead` metres. */
export function returnCurvature(
  roadCurvature: number,
  lateralOffset: number,
  headingError: number,
  lookahead: number,
): number {
  if (!(lookahead > 0)) throw new Error(`returnCurvature: lookahead must be above 0 m, got ${lookahead}`);
  return roadCurvature - (2 * lateralOffset) / (lookahead * lookahead) - (2 * headingError) / lookahead;
}

/** Look-ahead distance of the label correction for a drive: speed * RETURN_TIME_S. */
export function returnLookahead(drive: SyntheticDrive): number {
  return drive.speed * RETURN_TIME_S;
}

/** Frame `index` seen from the car's pose moved by `offset`, with its corrected label. */
export function trainingView(
  drive: SyntheticDrive,
  index: number,
  offset: ViewOffset = { shift: 0, rotation: 0 },
): TrainingView {
  if (!Number.isFinite(offset.shift) || Math.abs(offset.shift) > 3) {
    throw new Error(`trainingView: shift must be within ±3 m, got ${offset.shift}`);
  }
  if (!Number.isFinite(offset.rotation) || Math.abs(offset.rotation) > 0.5) {
    throw new Error(`trainingView: rotation must be within ±0.5 rad, got ${offset.rotation}`);
  }
  const pose = drive.poseAt(index);
  const frame = drive.view(index, {
    s: pose.s,
    lateral: pose.lateral + offset.shift,
    headingError: pose.headingError + offset.rotation,
  });
  const { curvature, lateralOffset, headingError } = frame.truth;
  return { frame, label: returnCurvature(curvature, lateralOffset, headingError, returnLookahead(drive)) };
}

/** A random offset, uniform within ±maxShift metres and ±maxRotation radians. */
export function randomOffset(random: Random, maxShift: number, maxRotation: number): ViewOffset {
  return { shift: random.range(-maxShift, maxShift), rotation: random.range(-maxRotation, maxRotation) };
}
