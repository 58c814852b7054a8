import * as assert from "node:assert/strict";
import { BufferPool } from "../../src/offline/buffer-pool";

describe("offline/buffer-pool: buffers reused across the bag tool's threads", () => {
  const big = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

  it("copies into a buffer of its own, exactly as long, and reuses one given back", () => {
    const pool = new BufferPool();
    const source = big(100_000, 7).subarray(10, 90_010);
    const first = pool.copy(source);
    assert.equal(first.byteOffset, 0);
    assert.equal(first.buffer.byteLength, 90_000);
    assert.ok(Buffer.from(first).equals(Buffer.from(source)));
    pool.give(first.buffer);
    assert.equal(pool.size, 1);
    const second = pool.copy(big(90_000, 3));
    assert.equal(second.buffer, first.buffer, "the buffer given back carries the next copy");
    assert.ok(second.every((v) => v === 3));
    assert.equal(pool.size, 0);
    // Another length gets a fresh buffer.
    assert.notEqual(pool.copy(big(80_000, 1)).buffer, first.buffer);
  });

  it("keeps no small or detached buffers, and at most perSize of one length", () => {
    const pool = new BufferPool(2);
    pool.give(new ArrayBuffer(1000));
    const detached = new ArrayBuffer(100_000);
    structuredClone(detached, { transfer: [detached] });
    pool.give(detached);
    assert.equal(pool.size, 0);
    for (let i = 0; i < 3; i++) pool.give(new ArrayBuffer(100_000));
    assert.equal(pool.size, 2);
    assert.equal(pool.wants(1000), false);
    assert.equal(pool.wants(100_000), true);
  });
});
