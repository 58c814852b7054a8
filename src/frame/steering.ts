/** Vehicle geometry that turns a path curvature into a steering wheel angle. */
export interface SteeringGeometry {
  /** Distance between the axles, metres. */
  readonly wheelbaseM: number;
  /** Steering wheel angle per road wheel angle (e.g. 15 for 15:1). */
  readonly steeringRatio: number;
}

/**
 * Steering wheel angle (rad) for a curvature (1/m) with a kinematic bicycle model:
 * road wheel angle = atan(wheelbase * curvature), times the steering ratio. Keeps the sign:
 * positive curvature (left turn, REP 103) gives a positive angle.
 */
export function steeringWheelAngle(curvature: number, geometry: SteeringGeometry): number {
  if (!Number.isFinite(curvature)) return Number.NaN;
  return Math.atan(geometry.wheelbaseM * curvature) * geometry.steeringRatio;
}
