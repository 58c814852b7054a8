import { strict as assert } from "node:assert";
import { Random, seedState } from "../../src/drive/random";

describe("drive/random", () => {
  it("turns integer and string seeds into fixed states", () => {
    assert.equal(seedState(7), seedState(7));
    assert.notEqual(seedState(7), seedState(8));
    assert.equal(seedState("highway"), seedState("highway"));
    assert.notEqual(seedState("5"), seedState(5));
    assert.equal(typeof seedState(Number.MAX_SAFE_INTEGER), "number");
  });

  it("rejects seeds it cannot read", () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
      assert.throws(() => seedState(bad), /seed: expected a non-negative integer/);
    }
    assert.throws(() => seedState(""), /empty string/);
    assert.throws(() => seedState({} as unknown as number), /got object/);
  });

  it("draws the same stream from the same state", () => {
    const a = new Random(123);
    const b = new Random(123);
    for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next());
    const x = Random.derive(1, 5, 9).next();
    assert.equal(Random.derive(1, 5, 9).next(), x);
    assert.notEqual(Random.derive(1, 5, 10).next(), x);
  });

  it("stays in range", () => {
    const random = new Random(1);
    for (let i = 0; i < 1000; i++) {
      const v = random.next();
      assert.ok(v >= 0 && v < 1);
      const n = random.int(2, 4);
      assert.ok(n >= 2 && n <= 4 && Number.isInteger(n));
    }
  });
});
