import { strict as assert } from "node:assert";
import { returnCurvature, returnLookahead, trainingView, randomOffset } from "../../src/drive/augment";
import { SyntheticDrive } from "../../src/drive/drive";
import { Random } from "../../src/drive/random";

/** Mean over the rows that see 8-15 m ahead of the rightmost lane pixel: the right road edge. */
function rightEdgeColumn(drive: SyntheticDrive, mask: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let v = 0; v < drive.height; v++) {
    const row = drive.camera.groundRow(v);
    if (!row || row.forward < 8 || row.forward > 15) continue;
    for (let u = drive.width - 1; u >= 0; u--) {
      if (mask[v * drive.width + u]) {
        sum += u;
        count++;
        break;
      }
    }
  }
  return sum / count;
}

describe("drive/augment", () => {
  it("corrects the label back towards the lane", () => {
    assert.equal(returnCurvature(0.01, 0, 0, 30), 0.01);
    // Left of centre or pointing left: steer right (more negative).
    assert.ok(returnCurvature(0, 1, 0, 30) < 0);
    assert.ok(returnCurvature(0, 0, 0.05, 30) < 0);
    assert.ok(returnCurvature(0, -1, 0, 30) > 0);
    assert.ok(returnCurvature(0, 0, -0.05, 30) > 0);
    assert.ok(Math.abs(returnCurvature(0, 1, 0.05, 30) - (-2 / 900 - 0.1 / 30)) < 1e-12);
    assert.throws(() => returnCurvature(0, 0, 0, 0), /lookahead/);
  });

  it("renders shifted views and labels them to come back", () => {
    const drive = new SyntheticDrive({ seed: 21, width: 320, height: 240 });
    assert.equal(returnLookahead(drive), 30);
    const plain = trainingView(drive, 400);
    const left = trainingView(drive, 400, { shift: 0.8, rotation: 0 });
    const turned = trainingView(drive, 400, { shift: 0, rotation: 0.05 });
    assert.ok(left.label < plain.label);
    assert.ok(turned.label < plain.label);
    assert.equal(left.frame.truth.curvature, plain.frame.truth.curvature);
    assert.ok(Math.abs(left.frame.truth.lateralOffset - plain.frame.truth.lateralOffset - 0.8) < 1e-12);
    // Moving the camera left moves the markings right in the image.
    const before = rightEdgeColumn(drive, plain.frame.truth.laneMask);
    const after = rightEdgeColumn(drive, left.frame.truth.laneMask);
    assert.ok(after > before + 5, `${before} -> ${after}`);
  });

  it("rejects offsets too large to be a lane", () => {
    const drive = new SyntheticDrive({ seed: 1, width: 64, height: 48 });
    assert.throws(() => trainingView(drive, 0, { shift: 5, rotation: 0 }), /shift/);
    assert.throws(() => trainingView(drive, 0, { shift: 0, rotation: Number.NaN }), /rotation/);
  });

  it("draws offsets within the bounds", () => {
    const random = new Random(4);
    for (let i = 0; i < 100; i++) {
      const offset = randomOffset(random, 1, 0.06);
      assert.ok(Math.abs(offset.shift) <= 1 && Math.abs(offset.rotation) <= 0.06);
    }
  });
});
