import * as assert from "node:assert/strict";
import { median, timeInBlocks } from "../../bench/machine";
import { disturbedPairs, formatMethodsTable, MethodsBenchRow, peakTrend } from "../../bench/methods-bench";
import { vbpPart } from "../../bench/profile-bench";
import { ALLOCATOR_ENV, allocatorLine } from "../../bench/allocator";

describe("bench timing", () => {
  it("times each session in contiguous blocks, rotating the order, without the settling runs", async () => {
    const calls: string[] = [];
    let clock = 0;
    const times = await timeInBlocks(
      ["a", "b", "c"] as const,
      async (session) => {
        calls.push(session);
        return ++clock;
      },
      { runs: 4, block: 2, settle: 1 },
    );
    // 2 rounds of 3 blocks of 1 + 2 runs; round 2 starts with the second session.
    assert.equal(calls.join(""), "aaabbbcccbbbcccaaa");
    assert.deepEqual(times.get("a"), [2, 3, 17, 18]);
    assert.deepEqual(times.get("b"), [5, 6, 11, 12]);
    assert.deepEqual(times.get("c"), [8, 9, 14, 15]);
  });

  it("median of odd and even counts", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe("bench memory trend", () => {
  it("compares the peaks of the two halves, so collector swings are not read as growth", () => {
    // Swings between 122 and 157 MiB with no trend, as measured over 20,000 frames: no growth.
    assert.equal(peakTrend([129, 122, 147, 157, 125, 150, 144, 126, 151, 157]), 0);
    // A leak of 1 MiB a sample raises the peaks.
    assert.equal(peakTrend([100, 101, 102, 103, 104, 105]), 3);
    assert.equal(peakTrend([100]), 0);
  });
});

describe("bench disturbed pairs", () => {
  const timing = (forwardMs: number, addedMs: number) => ({
    forwardMs,
    totalMs: forwardMs + addedMs,
    addedMs,
    addedRatio: addedMs / forwardMs,
  });
  const row = (batch: number, vbp: number, lrp: number, gradient: number): MethodsBenchRow => ({
    batch,
    runs: 200,
    forwardMs: vbp,
    methods: { vbp: timing(vbp, 0.06), lrp: timing(lrp, 0.5), gradient: timing(gradient, 0.45) },
    lrpOverVbp: 0.5 / 0.06,
  });

  it("names a pair whose forward pass ran well above the others of its batch, and only that one", () => {
    // As measured at batch 1: one session at one-thread speed (0.357 ms) beside two at 0.21.
    const rows = [row(1, 0.357, 0.226, 0.21), row(16, 2.94, 3.1, 2.96)];
    assert.deepEqual(disturbedPairs(rows), [{ batch: 1, method: "vbp", forwardMs: 0.357, fastestMs: 0.21 }]);
    const table = formatMethodsTable({
      machine: "m",
      loadBefore: [0, 0, 0],
      loadAfter: [0, 0, 0],
      model: "pilotnet",
      provider: "cpu",
      rows,
    });
    assert.match(table, /disturbed: at batch 1 the forward pass beside vbp took 0\.357 ms against 0\.210 ms/);
    assert.doesNotMatch(table, /disturbed: at batch 16/);
  });
});

describe("bench profile parts", () => {
  it("sorts the nodes VisualBackProp adds into parts and leaves the model's own alone", () => {
    const cases: [string, string, string | undefined][] = [
      ["ReorderOutput_token_10", "ReorderOutput", "layout"],
      ["visualbackprop/avg0_flat:MatMul", "MatMul", "means"],
      ["visualbackprop/avg3:ReduceMean", "ReduceMean", "means"],
      ["visualbackprop/up0_0_cols:ConvTranspose", "ConvTranspose", "deconvolutions"],
      ["visualbackprop/up2_0_crop:Slice", "Slice", "deconvolutions"],
      ["visualbackprop/product1:Mul", "Mul", "products"],
      ["visualbackprop/mask_divisor:Max", "Max", "normalisation"],
      ["/features/features.1/Relu_output_0_nchwc", "Conv", undefined],
      ["/Div", "Div", undefined],
    ];
    for (const [node, op, part] of cases) assert.equal(vbpPart(node, op), part, node);
  });
});

describe("bench allocator line", () => {
  it("says whether the process runs with the malloc settings, and which they are", () => {
    assert.match(
      allocatorLine({ ...ALLOCATOR_ENV }),
      /^allocator: MALLOC_MMAP_THRESHOLD_=4194304 MALLOC_TRIM/,
    );
    assert.match(allocatorLine({}), /^allocator: glibc defaults \(with MALLOC_MMAP_THRESHOLD_=4194304 /);
    assert.match(allocatorLine({ MALLOC_MMAP_THRESHOLD_: "4194304" }), /glibc defaults/);
  });
});
