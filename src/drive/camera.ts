/**
 * Pinhole camera on the car, pitched down, no roll. Car frame: X forward, Y left, Z up, origin on
 * the ground under the camera. With no roll every image row looks at one ground line X = const, so
 * the renderer works a row at a time.
 */
export interface CameraSpec {
  readonly width: number;
  readonly height: number;
  /** Horizontal field of view, degrees. */
  readonly fovDeg: number;
  /** Camera height above the road, metres. */
  readonly heightM: number;
  /** Downward pitch, degrees. */
  readonly pitchDeg: number;
}

export const DEFAULT_CAMERA: Omit<CameraSpec, "width" | "height"> = { fovDeg: 60, heightM: 1.4, pitchDeg: 4 };

/** Where one image row meets the ground; absent for rows at or above the horizon. */
export interface GroundRow {
  /** Forward distance of the row's ground line, metres. */
  readonly forward: number;
  /** Lateral position (left positive) of pixel column 0, metres. */
  readonly lateralAtZero: number;
  /** Change of lateral position per pixel column (negative: columns run to the right). */
  readonly lateralPerPixel: number;
}

export interface Projection {
  readonly u: number;
  readonly v: number;
  /** Distance along the optical axis, metres; scale of one metre at this depth is focal / depth. */
  readonly depth: number;
}

export class Camera {
  readonly spec: CameraSpec;
  /** Focal length in pixels. */
  readonly focal: number;
  readonly cx: number;
  readonly cy: number;
  /** Image row of the horizon (may be fractional). */
  readonly horizon: number;
  #sinPitch: number;
  #cosPitch: number;

  constructor(spec: CameraSpec) {
    this.spec = { ...spec };
    this.focal = spec.width / 2 / Math.tan((spec.fovDeg * Math.PI) / 360);
    this.cx = spec.width / 2;
    this.cy = spec.height / 2;
    const pitch = (spec.pitchDeg * Math.PI) / 180;
    this.#sinPitch = Math.sin(pitch);
    this.#cosPitch = Math.cos(pitch);
    this.horizon = this.cy - this.focal * Math.tan(pitch);
  }

  /** Ground line seen by the centre of row v, or undefined above the horizon. */
  groundRow(v: number): GroundRow | undefined {
    const b = (v + 0.5 - this.cy) / this.focal;
    const down = this.#sinPitch + b * this.#cosPitch;
    if (down <= 1e-6) return undefined;
    const t = this.spec.heightM / down;
    const forward = t * (this.#cosPitch - b * this.#sinPitch);
    const lateralPerPixel = -t / this.focal;
    return { forward, lateralAtZero: -lateralPerPixel * (this.cx - 0.5), lateralPerPixel };
  }

  /** Projects a car-frame point (Z above the road); undefined behind or too close to the camera. */
  project(x: number, y: number, z: number): Projection | undefined {
    const rz = z - this.spec.heightM;
    const depth = x * this.#cosPitch - rz * this.#sinPitch;
    if (depth < 0.3) return undefined;
    const right = -y;
    const down = -x * this.#sinPitch - rz * this.#cosPitch;
    return { u: this.cx + (this.focal * right) / depth, v: this.cy + (this.focal * down) / depth, depth };
  }
}
