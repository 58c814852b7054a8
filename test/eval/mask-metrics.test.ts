import * as assert from "node:assert/strict";
import {
  deletionSeries,
  FocusAccumulator,
  LineShareAccumulator,
  meanHeight,
  randomOrder,
  saliencyOrder,
  salientRegion,
  shiftWhere,
} from "../../src/eval/mask-metrics";
import { mulberry32 } from "../../src/onnx/cnn-builder";

describe("mask quality metrics", () => {
  it("focus: 1 for a uniform mask, share ratio for a concentrated one, inside the rectangle only", () => {
    // 4x2 frame, label on 2 of the 8 pixels; the rectangle leaves out the last column.
    const label = Uint8Array.of(1, 0, 0, 0, 1, 0, 0, 9);
    const rect = { x0: 0, y0: 0, x1: 3, y1: 2 };
    const uniform = new FocusAccumulator();
    uniform.add(new Float32Array(8).fill(0.5), label, 4, rect);
    assert.equal(uniform.ratio(), 1);
    const focused = new FocusAccumulator();
    // All mass on the labelled pixels: share 1 over pixel share 2/6.
    focused.add(Float32Array.of(1, 0, 0, 5, 1, 0, 0, 5), label, 4, rect);
    assert.equal(focused.ratio(), 3);
    assert.ok(Number.isNaN(new FocusAccumulator().ratio()));
  });

  it("line shares: each line's part of the mask's weight on markings, inside the rectangle only", () => {
    // 4x2 frame: markings on 5 pixels (left line 2, right line 1, an edge 1, one outside the rectangle).
    const lane = Uint8Array.of(1, 1, 0, 1, 1, 1, 0, 1);
    const lines = Uint8Array.of(1, 1, 0, 1, 2, 0, 0, 2);
    const rect = { x0: 0, y0: 0, x1: 3, y1: 2 };
    const shares = new LineShareAccumulator();
    shares.add(Float32Array.of(1, 3, 9, 9, 2, 2, 9, 9), lane, lines, { left: 1, right: 2 }, 4, rect);
    assert.deepEqual(shares.shares(), { left: 0.5, right: 0.25 });
    assert.ok(Number.isNaN(new LineShareAccumulator().shares().left));
  });

  it("salient region: the top share of pixels, grown by the dilation", () => {
    const mask = new Float32Array(25);
    mask[12] = 1; // centre of a 5x5
    mask[0] = 0.5;
    const top = salientRegion(mask, 5, 5, 0.04, 0);
    assert.deepEqual(
      [...top.keys()].filter((i) => top[i]),
      [12],
    );
    const grown = salientRegion(mask, 5, 5, 0.04, 1);
    assert.deepEqual(
      [...grown.keys()].filter((i) => grown[i]),
      [6, 7, 8, 11, 12, 13, 16, 17, 18],
    );
    assert.throws(() => salientRegion(mask, 5, 5, 1.5, 0), /salient share must be in \(0, 1\), got 1.5/);
  });

  it("shift: moves only the selected pixels (or only the others), edges repeat", () => {
    const input = Float32Array.of(1, 2, 3, 4, 5, 6); // 1 channel, 2x3
    const where = Uint8Array.of(0, 1, 1, 0, 0, 0);
    assert.deepEqual([...shiftWhere(input, 1, 2, 3, where, 1, false)], [1, 1, 2, 4, 5, 6]);
    assert.deepEqual([...shiftWhere(input, 1, 2, 3, where, 1, true)], [1, 2, 3, 4, 4, 5]);
  });

  it("shift without copies: a pixel keeps its value where its source lies on the other side", () => {
    // A salient line in column 1 of a 1x5 row; the rest moved 2 to the right. The plain test paints
    // the line again at column 3; without copies column 3 keeps its own value.
    const input = Float32Array.of(10, 99, 12, 13, 14);
    const where = Uint8Array.of(0, 1, 0, 0, 0);
    assert.deepEqual([...shiftWhere(input, 1, 1, 5, where, 2, true)], [10, 99, 10, 99, 12]);
    assert.deepEqual([...shiftWhere(input, 1, 1, 5, where, 2, true, true)], [10, 99, 10, 13, 12]);
    // The salient side: its source (column -1, the edge) is not salient, so nothing moves.
    assert.deepEqual([...shiftWhere(input, 1, 1, 5, where, 2, false, true)], [10, 99, 12, 13, 14]);
  });

  it("deletion: replaces the first fraction of the order by the channel mean", () => {
    const input = Float32Array.of(0, 2, 4, 6); // 1 channel, 4 pixels, mean 3
    const order = saliencyOrder(Float32Array.of(0.1, 0.9, 0.5, 0.2));
    assert.deepEqual([...order], [1, 2, 3, 0]);
    const out = new Float32Array(12);
    deletionSeries(input, 1, 4, order, [0, 0.5, 1], out, 0);
    assert.deepEqual([...out], [0, 2, 4, 6, 0, 3, 3, 6, 3, 3, 3, 3]);
  });

  it("random order is a seeded permutation; mean height integrates trapezoids", () => {
    const a = randomOrder(50, mulberry32(1));
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual([...randomOrder(50, mulberry32(1))], [...a]);
    assert.equal(meanHeight([0, 0.5, 1], [0, 1, 1]), 0.75);
  });
});
