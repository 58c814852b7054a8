import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { SyntheticDrive, type DriveFrame } from "../../src/drive/drive";
import { LANE_LINE } from "../../src/drive/render";
import { laneGeometry, MAX_CURVATURE, type MarkingStretch } from "../../src/drive/road";

function hash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

/** Mean column of lane-mask pixels in the rows that see the ground 20 to 40 m ahead. */
function farLaneColumn(drive: SyntheticDrive, frame: DriveFrame): number {
  let sum = 0;
  let count = 0;
  for (let v = 0; v < drive.height; v++) {
    const row = drive.camera.groundRow(v);
    if (!row || row.forward < 20 || row.forward > 40) continue;
    for (let u = 0; u < drive.width; u++) {
      if (frame.truth.laneMask[v * drive.width + u]) {
        sum += u;
        count++;
      }
    }
  }
  assert.ok(count > 0, "no lane pixels 20-40 m ahead");
  return sum / count;
}

/** First frame whose road ahead, near and far, curves with this sign at least this much. */
function findCurve(drive: SyntheticDrive, sign: number, least: number): number {
  for (let i = 0; i < 40000; i += 10) {
    const s = drive.poseAt(i).s;
    if (sign * drive.curvatureAhead(s) > least && sign * drive.road.meanCurvature(s + 20, s + 45) > least)
      return i;
  }
  throw new Error("no such curve");
}

describe("drive/SyntheticDrive", () => {
  it("renders the same bytes from the same seed, whatever the order", () => {
    const a = new SyntheticDrive({ seed: 42, width: 160, height: 120 });
    const b = new SyntheticDrive({ seed: 42, width: 160, height: 120 });
    const later = a.frame(900);
    b.frame(3);
    const again = b.frame(900);
    assert.deepEqual(again.image.data, later.image.data);
    assert.deepEqual(again.truth.laneMask, later.truth.laneMask);
    assert.deepEqual(again.truth.distractorMask, later.truth.distractorMask);
    const other = new SyntheticDrive({ seed: 43, width: 160, height: 120 }).frame(900);
    assert.notDeepEqual(other.image.data, later.image.data);
  });

  it("matches the golden frame", () => {
    const frame = new SyntheticDrive({ seed: 42, width: 96, height: 72 }).frame(150);
    assert.equal(frame.image.data.length, 96 * 72 * 3);
    assert.equal(hash(frame.image.data), GOLDEN.image);
    assert.equal(hash(frame.truth.laneMask), GOLDEN.lane);
    assert.equal(hash(frame.truth.distractorMask), GOLDEN.distractor);
  });

  it("defaults to 640x480 at 30 Hz", () => {
    const drive = new SyntheticDrive({ seed: 1 });
    const frame = drive.frame(30);
    assert.equal(frame.image.width, 640);
    assert.equal(frame.image.height, 480);
    assert.equal(frame.timeSec, 1);
    assert.equal(drive.distanceAt(30), 15);
  });

  it("gives positive curvature on a left curve and negative on a right one", () => {
    const drive = new SyntheticDrive({ seed: 3, width: 320, height: 240 });
    const left = drive.frame(findCurve(drive, 1, 0.01));
    const right = drive.frame(findCurve(drive, -1, 0.01));
    assert.ok(left.truth.curvature > 0.01 && left.truth.curvature <= MAX_CURVATURE + 1e-9);
    assert.ok(right.truth.curvature < -0.01);
    // The image agrees: far markings lie left of the image centre on a left curve, right on a right one.
    const centre = drive.width / 2;
    assert.ok(farLaneColumn(drive, left) < centre - 20, `left curve: ${farLaneColumn(drive, left)}`);
    assert.ok(farLaneColumn(drive, right) > centre + 20, `right curve: ${farLaneColumn(drive, right)}`);
  });

  it("keeps lateral offset and heading error small and consistent", () => {
    const drive = new SyntheticDrive({ seed: 5, wander: 0.3 });
    for (let i = 0; i < 3000; i += 50) {
      const pose = drive.poseAt(i);
      assert.ok(Math.abs(pose.lateral) <= 0.3 + 1e-9);
      assert.ok(Math.abs(pose.headingError) < 0.05);
      // Heading error is the slope of the wander.
      const ahead = drive.poseAt(i + 1);
      const slope = (ahead.lateral - pose.lateral) / (ahead.s - pose.s);
      assert.ok(Math.abs(Math.atan(slope) - pose.headingError) < 2e-3);
    }
  });

  it("fills both masks, never on the same pixel", () => {
    const drive = new SyntheticDrive({ seed: 11, width: 320, height: 240 });
    let lane = 0;
    let distractor = 0;
    for (let i = 0; i < 2000; i += 400) {
      const frame = drive.frame(i);
      let frameLane = 0;
      for (let p = 0; p < frame.truth.laneMask.length; p++) {
        const l = frame.truth.laneMask[p];
        const d = frame.truth.distractorMask[p];
        assert.ok(l <= 1 && d <= 1);
        assert.ok(!(l && d), `pixel ${p} of frame ${i} is in both masks`);
        frameLane += l;
        distractor += d;
      }
      assert.ok(frameLane > 100, `frame ${i} has only ${frameLane} lane pixels`);
      lane += frameLane;
    }
    assert.ok(distractor > 100, `only ${distractor} distractor pixels in 5 frames`);
    assert.ok(lane > 0);
  });

  it("marks the two lines of the car's lane apart, inside the lane mask: left of the car, right of it", () => {
    const drive = new SyntheticDrive({ seed: 1_000_001, width: 320, height: 240 });
    // Frame 0: the start has all markings; the camera looks straight down its lane.
    const frame = drive.frame(0);
    const columns = new Map<number, number[]>([
      [LANE_LINE.left, []],
      [LANE_LINE.right, []],
    ]);
    for (let p = 0; p < frame.truth.lineMask.length; p++) {
      const code = frame.truth.lineMask[p];
      if (code === 0) continue;
      assert.equal(frame.truth.laneMask[p], 1, `line pixel ${p} outside the lane mask`);
      columns.get(code)?.push(p % drive.width);
    }
    const left = columns.get(LANE_LINE.left) ?? [];
    const right = columns.get(LANE_LINE.right) ?? [];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(left.length > 20 && right.length > 200, `${left.length} and ${right.length} line pixels`);
    assert.ok(mean(left) < drive.width / 2, "the left line is left of centre");
    assert.ok(mean(right) > drive.width / 2, "the right line is right of centre");
  });

  it("with marking variety: the same road and first stretch, other widths, kinds and wear later", () => {
    const plain = new SyntheticDrive({ seed: 5 });
    const varied = new SyntheticDrive({ seed: 5, markingVariety: 1 });
    assert.deepEqual(varied.road.stretchAt(0), plain.road.stretchAt(0));
    const widths = new Set<number>();
    let worn = 0;
    for (let s = 0; s < 5000; s += 50) {
      assert.equal(varied.road.curvatureAt(s), plain.road.curvatureAt(s));
      const stretch = varied.road.stretchAt(s);
      assert.ok(stretch.right !== "none" || stretch.centre !== "none", `both lines missing at ${s} m`);
      if (stretch.laneWidth !== undefined) {
        assert.ok(stretch.laneWidth >= 2.8 && stretch.laneWidth <= 4.2);
        widths.add(stretch.laneWidth);
      }
      if ((stretch.wear ?? 1) < 1) worn++;
      assert.equal(plain.road.stretchAt(s).laneWidth, undefined, "the default road keeps 3.5 m");
    }
    assert.ok(widths.size > 5 && worn > 0, `${widths.size} widths, ${worn} worn samples`);
    assert.throws(
      () => new SyntheticDrive({ seed: 5, markingVariety: 2 }),
      /markingVariety must be in \[0, 1\], got 2/,
    );
  });

  it('the "lines" variety mix draws what the earlier candidates were exported with', () => {
    const stretches = (drive: SyntheticDrive): MarkingStretch[] => {
      const out: MarkingStretch[] = [];
      for (let s = 0; s < 3000; s += 10) {
        const stretch = drive.road.stretchAt(s);
        if (out.length === 0 || out[out.length - 1].start !== stretch.start) out.push(stretch);
      }
      return out;
    };
    const lines = stretches(new SyntheticDrive({ seed: 5, markingVariety: 0.7, varietyMix: "lines" }));
    assert.deepEqual(lines, stretches(new SyntheticDrive({ seed: 5, markingVariety: 0.7 })));
    const digest = createHash("sha256").update(JSON.stringify(lines)).digest("hex").slice(0, 16);
    assert.equal(digest, "f80ff5ff877c0c40");
  });

  it('the "shoulders" variety mix: the same road, solid centre lines more often, shoulders of 0.25-1.5 m', () => {
    const plain = new SyntheticDrive({ seed: 5 });
    const mixes = {
      lines: new SyntheticDrive({ seed: 5, markingVariety: 1, varietyMix: "lines" }),
      shoulders: new SyntheticDrive({ seed: 5, markingVariety: 1, varietyMix: "shoulders" }),
    };
    assert.deepEqual(mixes.shoulders.road.stretchAt(0), plain.road.stretchAt(0));
    const solidCentres = { lines: 0, shoulders: 0 };
    const shoulders = new Set<number>();
    for (let s = 0; s < 40000; s += 50) {
      assert.equal(mixes.shoulders.road.curvatureAt(s), plain.road.curvatureAt(s));
      for (const mix of ["lines", "shoulders"] as const) {
        const stretch = mixes[mix].road.stretchAt(s);
        if (stretch.centre === "solid") solidCentres[mix]++;
        if (mix === "lines") assert.equal(stretch.rightShoulder, undefined);
      }
      const stretch = mixes.shoulders.road.stretchAt(s);
      assert.ok(stretch.right !== "none" || stretch.centre !== "none", `both lines missing at ${s} m`);
      if (stretch.laneWidth === undefined) continue;
      for (const shoulder of [stretch.rightShoulder, stretch.leftShoulder]) {
        assert.ok(
          shoulder !== undefined && shoulder >= 0.25 && shoulder <= 1.5,
          `shoulder ${shoulder} at ${s} m`,
        );
        shoulders.add(shoulder);
      }
      const lanes = laneGeometry(stretch);
      assert.ok(Math.abs(lanes.rightLine - lanes.rightEdge - (stretch.rightShoulder ?? 0)) < 1e-12);
      assert.ok(Math.abs(lanes.leftEdge - lanes.leftLine - (stretch.leftShoulder ?? 0)) < 1e-12);
      assert.equal(plain.road.stretchAt(s).rightShoulder, undefined, "the default road keeps 0.55 m");
    }
    assert.ok(shoulders.size > 20, `${shoulders.size} shoulder widths`);
    assert.ok(
      solidCentres.shoulders > 1.3 * solidCentres.lines,
      `solid centre line at ${solidCentres.shoulders} against ${solidCentres.lines} samples`,
    );
    assert.throws(
      () => new SyntheticDrive({ seed: 5, varietyMix: "kerbs" as "lines" }),
      /varietyMix must be one of lines, shoulders, got kerbs/,
    );
  });

  it("rejects bad options with clear errors", () => {
    assert.throws(() => new SyntheticDrive({ seed: -3 }), /seed: expected a non-negative integer/);
    assert.throws(() => new SyntheticDrive({ seed: 0.5 }), /seed/);
    assert.throws(() => new SyntheticDrive({ seed: "" }), /empty string/);
    assert.throws(() => new SyntheticDrive({ seed: 1, width: 32 }), /width must be an integer from 64/);
    assert.throws(() => new SyntheticDrive({ seed: 1, height: 20 }), /height must be an integer from 48/);
    assert.throws(() => new SyntheticDrive({ seed: 1, width: 100.5 }), /width/);
    assert.throws(() => new SyntheticDrive({ seed: 1, rateHz: 0 }), /rateHz/);
    assert.throws(() => new SyntheticDrive({ seed: 1, wander: -1 }), /wander/);
    const drive = new SyntheticDrive({ seed: "named drive", width: 64, height: 48 });
    assert.throws(() => drive.frame(-1), /frame index must be a non-negative integer/);
    assert.throws(() => drive.frame(1.5), /frame index/);
    assert.throws(() => [...drive.frames(-2)], /count/);
  });

  it("does not change the caller's options", () => {
    const options = Object.freeze({ seed: 9, width: 64, height: 48 });
    const drive = new SyntheticDrive(options);
    assert.deepEqual(options, { seed: 9, width: 64, height: 48 });
    assert.equal([...drive.frames(3, 10)].map((f) => f.index).join(","), "10,11,12");
  });
});

/** sha256 prefixes of seed 42, frame 150, 96x72: any change to the renderer shows here (update deliberately). */
const GOLDEN = { image: "bb2136659ad07569", lane: "8eb335f26d141e50", distractor: "a5952c644dadcef0" };
