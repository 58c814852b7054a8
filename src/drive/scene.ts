/**
 * Everything beside the road that must NOT steer the car: trees, poles, parked cars, clouds,
 * shadows across the road, and slow brightness and contrast changes. Props are placed in road
 * coordinates (arc length s, lateral d from the lane centre, left positive), generated per 50 m
 * chunk from the seed, so any frame can be rendered without the ones before it.
 */
import { Random } from "./random";
import { ROAD_LAYOUT } from "./road";

export type Rgb = readonly [number, number, number];

export interface Tree {
  readonly kind: "tree";
  readonly s: number;
  readonly d: number;
  readonly height: number;
  readonly crownRadius: number;
  readonly conifer: boolean;
  readonly colour: Rgb;
}

export interface Pole {
  readonly kind: "pole";
  readonly s: number;
  readonly d: number;
  readonly height: number;
}

export interface ParkedCar {
  readonly kind: "car";
  /** Centre of the car. */
  readonly s: number;
  readonly d: number;
  readonly colour: Rgb;
}

export type Prop = Tree | Pole | ParkedCar;

/** A band of shade across the road: s - skew * d in [s0, s1] and d in [dMin, dMax]. */
export interface Shadow {
  readonly s0: number;
  readonly s1: number;
  readonly skew: number;
  readonly dMin: number;
  readonly dMax: number;
  /** Colour factor inside the shadow, < 1. */
  readonly darkness: number;
}

/** A cloud at infinity: it moves in the image only when the car turns. */
export interface Cloud {
  /** World direction, radians. */
  readonly azimuth: number;
  /** Angle above the horizon, radians. */
  readonly elevation: number;
  /** Half-width and half-height, radians. */
  readonly halfWidth: number;
  readonly halfHeight: number;
}

/** Global exposure: out = clamp((in - 128) * contrast + 128) * gain. */
export interface Lighting {
  readonly gain: number;
  readonly contrast: number;
}

const CHUNK = 50;
export const PARKED_CAR_SIZE = { length: 4.4, width: 1.8, height: 1.45 } as const;

export class Scene {
  #state: number;
  #props = new Map<number, readonly Prop[]>();
  #shadows = new Map<number, readonly Shadow[]>();
  readonly clouds: readonly Cloud[];
  #lightWaves: readonly { period: number; phase: number; amplitude: number; contrast: boolean }[];

  constructor(state: number) {
    this.#state = state;
    const random = Random.derive(state, 4);
    const clouds: Cloud[] = [];
    const count = random.int(6, 16);
    for (let i = 0; i < count; i++) {
      clouds.push({
        azimuth: random.range(-Math.PI, Math.PI),
        elevation: random.range(0.03, 0.25),
        halfWidth: random.range(0.04, 0.16),
        halfHeight: random.range(0.015, 0.04),
      });
    }
    this.clouds = clouds;
    const waves = [];
    for (let i = 0; i < 4; i++) {
      waves.push({
        period: random.range(120, 700),
        phase: random.range(0, 2 * Math.PI),
        amplitude: random.range(0.05, 0.14),
        contrast: i >= 2,
      });
    }
    this.#lightWaves = waves;
  }

  /** Props whose arc length lies in [s0, s1]. */
  propsBetween(s0: number, s1: number): Prop[] {
    const found: Prop[] = [];
    for (let chunk = Math.floor(s0 / CHUNK); chunk <= Math.floor(s1 / CHUNK); chunk++) {
      for (const prop of this.#chunkProps(chunk)) if (prop.s >= s0 && prop.s <= s1) found.push(prop);
    }
    return found;
  }

  /** Shadows that may touch arc lengths [s0, s1]. */
  shadowsBetween(s0: number, s1: number): Shadow[] {
    const found: Shadow[] = [];
    for (let chunk = Math.floor(s0 / CHUNK) - 1; chunk <= Math.floor(s1 / CHUNK) + 1; chunk++) {
      for (const shadow of this.#chunkShadows(chunk)) found.push(shadow);
    }
    return found;
  }

  /** Exposure at arc length s: slow waves of brightness (0.6..1.4) and contrast (0.7..1.3). */
  lightingAt(s: number): Lighting {
    let gain = 1;
    let contrast = 1;
    for (const wave of this.#lightWaves) {
      const value = wave.amplitude * Math.sin((2 * Math.PI * s) / wave.period + wave.phase);
      if (wave.contrast) contrast += value;
      else gain += value * 1.4;
    }
    return { gain, contrast };
  }

  #chunkProps(chunk: number): readonly Prop[] {
    const cached = this.#props.get(chunk);
    if (cached) return cached;
    const random = Random.derive(this.#state, 5, chunk + 1000000);
    const props: Prop[] = [];
    const start = chunk * CHUNK;
    // Some chunks are open country, some are woods.
    const density = random.chance(0.3) ? 0 : random.range(0.5, 5);
    for (const side of [-1, 1]) {
      const edge = side < 0 ? ROAD_LAYOUT.rightEdge : ROAD_LAYOUT.leftEdge;
      const trees = Math.floor(density * random.range(0.3, 1.2));
      for (let i = 0; i < trees; i++) {
        const conifer = random.chance(0.4);
        const green = random.range(0.6, 1.1);
        props.push({
          kind: "tree",
          s: start + random.range(0, CHUNK),
          d: edge + side * random.range(3, 28),
          height: random.range(4, 11),
          crownRadius: random.range(1.2, 3),
          conifer,
          colour: conifer ? [30 * green, 75 * green, 35 * green] : [55 * green, 105 * green, 40 * green],
        });
      }
      if (random.chance(0.3)) {
        props.push({
          kind: "pole",
          s: start + random.range(0, CHUNK),
          d: edge + side * 1.2,
          height: random.range(6, 9),
        });
      }
      if (random.chance(0.12)) {
        const paint: Rgb[] = [
          [170, 30, 30],
          [30, 60, 150],
          [220, 220, 215],
          [40, 40, 45],
          [150, 150, 155],
          [200, 160, 40],
        ];
        props.push({
          kind: "car",
          s: start + random.range(5, CHUNK - 5),
          d: edge + side * (PARKED_CAR_SIZE.width / 2 + 0.5),
          colour: paint[random.int(0, paint.length - 1)],
        });
      }
    }
    this.#props.set(chunk, props);
    return props;
  }

  #chunkShadows(chunk: number): readonly Shadow[] {
    const cached = this.#shadows.get(chunk);
    if (cached) return cached;
    const random = Random.derive(this.#state, 6, chunk + 1000000);
    const shadows: Shadow[] = [];
    const count = random.chance(0.45) ? random.int(1, 3) : 0;
    for (let i = 0; i < count; i++) {
      const s0 = chunk * CHUNK + random.range(0, CHUNK);
      const full = random.chance(0.6);
      const fromRight = random.chance(0.5);
      shadows.push({
        s0,
        s1: s0 + random.range(1.5, 9),
        skew: random.range(-0.5, 0.5),
        dMin: full || fromRight ? -30 : random.range(-1, 2),
        dMax: full || !fromRight ? 30 : random.range(-1, 2),
        darkness: random.range(0.4, 0.7),
      });
    }
    this.#shadows.set(chunk, shadows);
    return shadows;
  }
}
