/**
 * Seeded pseudo-random numbers for the synthetic drive. Everything the drive draws comes from here,
 * so one seed fixes every pixel on every machine (V8's Math functions are deterministic too).
 */

/** A seed as callers give it: a non-negative safe integer, or a non-empty string that is hashed. */
export type DriveSeed = number | string;

/**
 * Turns a seed into 32 bits of generator state. Integers are mixed (so 1 and 2 give unrelated
 * drives); strings are hashed with FNV-1a over their UTF-16 code units and then mixed. The number 5
 * and the string "5" are different seeds.
 */
export function seedState(seed: DriveSeed): number {
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(
        `seed: expected a non-negative integer (at most 2^53-1) or a non-empty string, got ${seed}`,
      );
    }
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x100000000) >>> 0;
    return mix32(mix32(low ^ 0x9e3779b9) ^ high);
  }
  if (typeof seed === "string") {
    if (seed.length === 0) {
      throw new Error("seed: expected a non-negative integer or a non-empty string, got an empty string");
    }
    let hash = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) {
      hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
    }
    return mix32(hash ^ 0x5bd1e995);
  }
  throw new Error(`seed: expected a non-negative integer or a non-empty string, got ${typeof seed}`);
}

/** A 32-bit finaliser (from murmur3) that spreads every input bit over the output. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Mulberry32: small, fast, good enough for scenery; not for anything secret. */
export class Random {
  #state: number;

  constructor(state: number) {
    this.#state = state >>> 0;
  }

  /** A generator for one named part (e.g. scenery chunk 17) that does not depend on draw order. */
  static derive(state: number, ...keys: readonly number[]): Random {
    let h = state >>> 0;
    for (const key of keys) h = mix32(h ^ mix32((key >>> 0) + 0x7f4a7c15));
    return new Random(h);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [low, high). */
  range(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high], both ends included. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** -1 or +1, evenly. */
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
}

/** Cheap stateless hash noise in [0, 1) for texture: the same cell always gets the same value. */
export function cellNoise(x: number, y: number, salt: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ salt;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}
