import { strict as assert } from "node:assert";
import { SyntheticDrive } from "../../src/drive/drive";
import { PILOTNET_INPUT } from "../../src/drive/model-input";
import { inputRegions, REGION_BIT } from "../../src/drive/regions";
import { LANE_LINE } from "../../src/drive/render";
import type { PreprocessSpec } from "../../src/image/preprocess";

/** A 10x8 input grid over the lower half of a 40x16 frame: each input pixel covers 4x1 frame pixels. */
const SPEC: PreprocessSpec = {
  ...PILOTNET_INPUT,
  crop: { x: 0, y: 0.5, width: 1, height: 0.5 },
  width: 10,
  height: 8,
};

function truthWith(marks: readonly { x: number; y: number; line: number }[]) {
  const laneMask = new Uint8Array(40 * 16);
  const lineMask = new Uint8Array(40 * 16);
  for (const { x, y, line } of marks) {
    laneMask[y * 40 + x] = 1;
    lineMask[y * 40 + x] = line;
  }
  return { laneMask, lineMask };
}

describe("drive/regions", () => {
  it("sets a bit on the input pixel whose box holds any frame pixel of that kind", () => {
    const truth = truthWith([
      { x: 5, y: 8, line: LANE_LINE.left }, // input (1, 0)
      { x: 39, y: 15, line: LANE_LINE.right }, // input (9, 7)
      { x: 20, y: 12, line: 0 }, // input (5, 4): a road edge, no line of the car's lane
      { x: 3, y: 3, line: LANE_LINE.left }, // above the crop: nowhere
    ]);
    const codes = inputRegions(truth, 40, 16, SPEC);
    assert.equal(codes[0 * 10 + 1], REGION_BIT.lane | REGION_BIT.left);
    assert.equal(codes[7 * 10 + 9], REGION_BIT.lane | REGION_BIT.right);
    assert.equal(codes[4 * 10 + 5], REGION_BIT.lane);
    assert.equal(
      codes.reduce((n, c) => n + (c !== 0 ? 1 : 0), 0),
      3,
    );
  });

  it("refuses masks and buffers of the wrong size, naming the sizes", () => {
    const truth = truthWith([]);
    assert.throws(() => inputRegions(truth, 40, 15, SPEC), /truth masks must hold 40x15 = 600 pixels/);
    assert.throws(
      () => inputRegions(truth, 40, 16, SPEC, new Uint8Array(5)),
      /into holds 5 codes, expected 10x8 = 80/,
    );
  });

  it("on a real drive frame: both lines of the car's lane, the left one left of the right one", () => {
    const drive = new SyntheticDrive({ seed: 1 });
    const frame = drive.frame(30);
    const codes = inputRegions(frame.truth, drive.width, drive.height, PILOTNET_INPUT);
    let left = 0;
    let right = 0;
    let leftColumns = 0;
    let rightColumns = 0;
    let lane = 0;
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] & REGION_BIT.lane) lane++;
      if (codes[i] & REGION_BIT.left) {
        left++;
        leftColumns += i % PILOTNET_INPUT.width;
      }
      if (codes[i] & REGION_BIT.right) {
        right++;
        rightColumns += i % PILOTNET_INPUT.width;
      }
      // Line bits only ever come with the lane bit.
      if (codes[i] & (REGION_BIT.left | REGION_BIT.right)) assert.ok(codes[i] & REGION_BIT.lane);
    }
    assert.ok(left >= 20 && right >= 20, `left ${left}, right ${right} input pixels`);
    assert.ok(leftColumns / left < rightColumns / right);
    assert.ok(lane < codes.length / 3, `${lane} of ${codes.length} input pixels on markings`);
  });
});
