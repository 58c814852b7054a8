import type { ByteAllocator } from "../image/frame";

/**
 * Frame-sized byte buffers lent out and taken back, so a caller that is done with its images
 * within a batch (the node: rclnodejs serialises a message inside `publish`) renders into the same
 * memory every frame. Fresh 300 KB-1 MB buffers per frame and camera are what set off V8's full
 * collections (its external memory grows by megabytes a frame), which stall the node for
 * milliseconds at a time.
 */
export class ByteBufferPool {
  /** Free buffers by length. */
  readonly #free = new Map<number, Uint8Array[]>();
  readonly #maxFreePerLength: number;

  /** `maxFreePerLength`: how many buffers of one length are kept; more are left to the GC. */
  constructor(maxFreePerLength = 16) {
    if (!Number.isInteger(maxFreePerLength) || maxFreePerLength < 0)
      throw new RangeError(`maxFreePerLength must be a whole number >= 0, got ${maxFreePerLength}`);
    this.#maxFreePerLength = maxFreePerLength;
  }

  /** A lease for one unit of work (a batch): buffers it hands out come back together at `release`. */
  lease(): BufferLease {
    return new BufferLease(this.#take, this.#giveBack);
  }

  /** Buffers kept for reuse. */
  get freeCount(): number {
    let count = 0;
    for (const free of this.#free.values()) count += free.length;
    return count;
  }

  readonly #take = (length: number): Uint8Array => this.#free.get(length)?.pop() ?? new Uint8Array(length);

  readonly #giveBack = (buffer: Uint8Array): void => {
    let free = this.#free.get(buffer.length);
    if (free === undefined) this.#free.set(buffer.length, (free = []));
    if (free.length < this.#maxFreePerLength) free.push(buffer);
  };
}

/** Buffers lent for one unit of work. None of them may be used after `release`. */
export class BufferLease {
  readonly #take: (length: number) => Uint8Array;
  readonly #giveBack: (buffer: Uint8Array) => void;
  readonly #lent: Uint8Array[] = [];
  #released = false;

  constructor(take: (length: number) => Uint8Array, giveBack: (buffer: Uint8Array) => void) {
    this.#take = take;
    this.#giveBack = giveBack;
  }

  /** A buffer of exactly `length` bytes holding whatever was last written to it. */
  readonly allocate: ByteAllocator = (length) => {
    if (this.#released) throw new Error("buffer lease: allocate after release");
    if (!Number.isInteger(length) || length < 0)
      throw new RangeError(`buffer length must be a whole number >= 0, got ${length}`);
    const buffer = this.#take(length);
    this.#lent.push(buffer);
    return buffer;
  };

  /** Buffers handed out by this lease and not yet given back. */
  get lentCount(): number {
    return this.#lent.length;
  }

  /** Gives every buffer back to the pool; a second call does nothing. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const buffer of this.#lent) this.#giveBack(buffer);
    this.#lent.length = 0;
  }
}
