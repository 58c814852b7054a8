/**
 * Camera-sized byte buffers kept for reuse across the bag tool's threads. The reader copies each
 * camera message out of its chunk into one (with frame workers, the main thread copies it once more
 * for the worker), and each frame's mask and overlay are rendered into others (the main thread sends
 * each worker buffers of the lengths it rendered into before: `take`). All go to the writer thread
 * and, once written, come back here to carry a later frame. A fresh megabyte buffer per frame costs
 * page faults, zeroing and garbage collection in every thread that allocates it, which the bag
 * tool's speed depends on; a reused one costs nothing of that.
 */
/**
 * Whether `data` fills its whole buffer, as a message rendered or copied into a pooled buffer does
 * (a serialiser's output usually has room to spare, and such a buffer would only sit in a pool).
 */
export function fillsItsBuffer(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

/** Smaller buffers are not kept: allocating them costs little, and their sizes are many. */
const SMALLEST = 64 << 10;

export class BufferPool {
  readonly #free = new Map<number, ArrayBuffer[]>();
  readonly #perSize: number;

  /**
   * Keeps at most `perSize` free buffers of each length (the rest are left to the collector). The
   * pool never holds more than were in use at once: in the bag tool, the messages queued to the
   * writer thread (64 MB at most) and the frames of two batches, so the default covers them.
   */
  constructor(perSize = 128) {
    this.#perSize = perSize;
  }

  /** A copy of `data` in a buffer of its own (the whole buffer, exactly as long). */
  copy(data: Uint8Array): Uint8Array<ArrayBuffer> {
    const buffer = this.take(data.byteLength);
    if (buffer === undefined) return data.slice();
    const copy = new Uint8Array(buffer);
    copy.set(data);
    return copy;
  }

  /** A free buffer of exactly `byteLength` bytes, if one was given back; its bytes are stale. */
  take(byteLength: number): ArrayBuffer | undefined {
    return this.#free.get(byteLength)?.pop();
  }

  /**
   * `byteLength` bytes in a buffer of their own (the whole buffer): a free one, whose stale bytes
   * the caller must overwrite, every one of them, or a new one of zeros.
   */
  allocate(byteLength: number): Uint8Array<ArrayBuffer> {
    const buffer = this.take(byteLength);
    return buffer === undefined ? new Uint8Array(byteLength) : new Uint8Array(buffer);
  }

  /** Whether a buffer of `byteLength` bytes is worth giving back. */
  wants(byteLength: number): boolean {
    return byteLength >= SMALLEST;
  }

  /** Takes back a buffer that nothing uses any more (one `copy` handed out, or one like it). */
  give(buffer: ArrayBuffer): void {
    if (!this.wants(buffer.byteLength)) return; // small, or detached
    let free = this.#free.get(buffer.byteLength);
    if (free === undefined) this.#free.set(buffer.byteLength, (free = []));
    if (free.length < this.#perSize) free.push(buffer);
  }

  /** Free buffers held, for tests. */
  get size(): number {
    let n = 0;
    for (const free of this.#free.values()) n += free.length;
    return n;
  }
}
