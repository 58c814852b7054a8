/**
 * The synthetic drive bag's record of what it is, read back, and the lane focus the comparison
 * report measures with it: the record's round trip, its damage, the stamp-to-frame mapping, the
 * accumulation per frame and the paragraph's sentence.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { openBag } from "../../src/bag/rosbag2-open";
import type { ImageMsg } from "../../src/bag/ros-types";
import { stampToNs } from "../../src/bag/ros-types";
import { createSerializer } from "../../src/bag/serializer-factory";
import { SyntheticDrive } from "../../src/drive/drive";
import { FULL_FRAME, type PreprocessSpec } from "../../src/image/preprocess";
import type { ProcessedFrame } from "../../src/offline/bag-processor";
import { type LaneFocusFigures, LaneFocusComparison, laneFocusSentence } from "../../src/offline/lane-focus";
import { SYNTHETIC_CAMERA_TOPIC, writeSyntheticDriveBag } from "../../src/offline/synthetic-bag";
import {
  driveFrameIndex,
  findSyntheticDriveRecord,
  SYNTHETIC_DRIVE_RECORD,
  type SyntheticDriveRecord,
  syntheticDriveMetadata,
} from "../../src/offline/synthetic-drive-record";
import { FIXTURES } from "../bag/helpers";
import { tempDir } from "./helpers";

const RECORD: SyntheticDriveRecord = {
  seed: 7,
  width: 64,
  height: 48,
  rateHz: 30,
  startTimeNs: 1_735_689_600_000_000_000n,
  frames: 10,
  topic: SYNTHETIC_CAMERA_TOPIC,
};
const SPEC: PreprocessSpec = {
  crop: FULL_FRAME,
  width: 32,
  height: 24,
  colorSpace: "yuv",
  layout: "nchw",
  scale: 1,
  bias: 0,
};

describe("synthetic drive record", () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  it("a synthetic drive bag carries its record, and its frames' stamps map back to their indices", async () => {
    const dir = path.join(tmp.dir, "drive");
    await writeSyntheticDriveBag(dir, {
      seed: 7,
      frames: 3,
      width: 64,
      height: 48,
      rateHz: 7,
      compression: "none",
    });
    const bag = await openBag(dir);
    try {
      assert.deepEqual(findSyntheticDriveRecord(bag.metadataRecords), {
        seed: 7,
        width: 64,
        height: 48,
        rateHz: 7,
        startTimeNs: 1_735_689_600_000_000_000n,
        frames: 3,
        topic: SYNTHETIC_CAMERA_TOPIC,
      });
      // rosbag2's own record is still there.
      assert.ok(bag.metadataRecords.some((r) => r.name === "rosbag2"));
      const record = findSyntheticDriveRecord(bag.metadataRecords) as SyntheticDriveRecord;
      const serializer = createSerializer();
      const indices: (number | undefined)[] = [];
      for await (const m of bag.messages({ topics: [SYNTHETIC_CAMERA_TOPIC] })) {
        const image = serializer.decode<ImageMsg>("sensor_msgs/msg/Image", m.data);
        indices.push(driveFrameIndex(record, stampToNs(image.header.stamp)));
      }
      assert.deepEqual(indices, [0, 1, 2]);
    } finally {
      await bag.close();
    }
  });

  it("a bag without it: sqlite3 has no metadata records, a plain MCAP bag only rosbag2's", async () => {
    const sqlite = await openBag(path.join(FIXTURES, "humble_sqlite3"));
    const mcap = await openBag(path.join(FIXTURES, "humble_mcap"));
    try {
      assert.deepEqual(sqlite.metadataRecords, []);
      assert.equal(findSyntheticDriveRecord(sqlite.metadataRecords), undefined);
      assert.equal(findSyntheticDriveRecord(mcap.metadataRecords), undefined);
    } finally {
      await sqlite.close();
      await mcap.close();
    }
  });

  const damaged: [string, Record<string, string>, RegExp][] = [
    ["no seed", { seed: "" }, /visualbackprop\.synthetic_drive record: no seed/],
    ["a fractional seed", { seed: "1.5" }, /seed is "1\.5", expected an integer/],
    ["a zero width", { width: "0" }, /width is "0", expected a positive integer/],
    ["a negative rate", { rate_hz: "-2" }, /rate_hz is "-2", expected a positive rate/],
    ["a start in seconds", { start_time_ns: "1.7e9" }, /start_time_ns is "1\.7e9", expected nanoseconds/],
    ["no topic", { topic: "" }, /no topic/],
  ];
  for (const [what, change, error] of damaged) {
    it(`a record with ${what} is refused, naming the field`, () => {
      const metadata = new Map(Object.entries({ ...syntheticDriveMetadata(RECORD), ...change }));
      assert.throws(() => findSyntheticDriveRecord([{ name: SYNTHETIC_DRIVE_RECORD, metadata }]), error);
    });
  }

  const period = 1e9 / RECORD.rateHz;
  const stamps: [string, bigint, number | undefined][] = [
    ["the first frame", RECORD.startTimeNs, 0],
    ["the second", RECORD.startTimeNs + BigInt(Math.round(period)), 1],
    ["the last", RECORD.startTimeNs + BigInt(Math.round(9 * period)), 9],
    ["a millisecond off the grid", RECORD.startTimeNs + BigInt(Math.round(4 * period)) + 1_000_000n, 4],
    ["half a period off the grid", RECORD.startTimeNs + BigInt(Math.round(0.5 * period)), undefined],
    ["before the drive", RECORD.startTimeNs - BigInt(Math.round(period)), undefined],
    ["after its last frame", RECORD.startTimeNs + BigInt(Math.round(10 * period)), undefined],
  ];
  for (const [what, stamp, index] of stamps) {
    it(`maps a header stamp to its frame: ${what}`, () => {
      assert.equal(driveFrameIndex(RECORD, stamp), index);
    });
  }
});

describe("lane focus of two models on a synthetic drive", () => {
  const drive = new SyntheticDrive({ seed: RECORD.seed, width: 64, height: 48, rateHz: RECORD.rateHz });
  const scaled = (label: Uint8Array): Uint8Array => label.map((v) => (v !== 0 ? 255 : 0));

  function frame(
    index: number,
    main: Uint8Array,
    compare: Uint8Array,
    topic = RECORD.topic,
    stampNs?: bigint,
  ) {
    return {
      camera: { topic },
      stampNs: stampNs ?? RECORD.startTimeNs + BigInt(Math.round((index * 1e9) / RECORD.rateHz)),
      result: { compare: { frameMasks: { main, compare } } },
    } as unknown as ProcessedFrame;
  }

  it("measures only the drive's frames, and the model looking at the markings scores higher", () => {
    const lane = new LaneFocusComparison(RECORD, SPEC, SPEC);
    const truth = (i: number) => drive.frame(i).truth;
    // Main looks at the markings only, compare at the distractors only.
    for (const i of [0, 5]) lane.offer(frame(i, scaled(truth(i).laneMask), scaled(truth(i).distractorMask)));
    const flat = new Uint8Array(64 * 48).fill(255);
    lane.offer(frame(1, flat, flat, "/other/camera"));
    lane.offer(frame(2, flat, flat, RECORD.topic, RECORD.startTimeNs + 16_000_000n));
    lane.offer(frame(3, new Uint8Array(10), new Uint8Array(10)));
    const f = lane.figures();
    assert.equal(f.frames, 2);
    assert.ok(f.main.laneFocus > 1, `main lane focus ${f.main.laneFocus}`);
    assert.equal(f.main.distractorFocus, 0);
    assert.equal(f.compare.laneFocus, 0);
    assert.ok(f.compare.distractorFocus > 1, `compare distractor focus ${f.compare.distractorFocus}`);
  });

  const figures = (main: number, compare: number, frames = 4): LaneFocusFigures => ({
    frames,
    main: { laneFocus: main, distractorFocus: 0.5 },
    compare: { laneFocus: compare, distractorFocus: 0.25 },
  });
  const sentences: [string, LaneFocusFigures, string | undefined][] = [
    [
      "the first model looks more",
      figures(3, 2),
      "A looks at lane markings more than B: lane focus 3.00 vs 2.00, distractor focus 0.50 vs 0.25 (eval's measures on the synthetic drive's ground truth, 4 frames; 1 is no better than a uniform mask).",
    ],
    [
      "the compared model looks more (named first)",
      figures(1.5, 2.25),
      "B looks at lane markings more than A: lane focus 2.25 vs 1.50, distractor focus 0.25 vs 0.50",
    ],
    ["a tie", figures(2, 2), "A and B look at lane markings alike: lane focus 2.00 vs 2.00"],
    [
      "no frame measured",
      figures(3, 2, 0),
      "The bag is a synthetic drive, but no processed frame matched its drive record (camera topic, frame size, stamps), so which model looks at lane markings more was not measured.",
    ],
    ["no lane pixels", figures(Number.NaN, 2), undefined],
  ];
  for (const [what, f, text] of sentences) {
    it(`the paragraph's sentence: ${what}`, () => {
      const sentence = laneFocusSentence("A", "B", f);
      if (text === undefined) assert.equal(sentence, undefined);
      else assert.ok(sentence?.startsWith(text), sentence);
    });
  }

  it("two models of the same name are told apart by their option", () => {
    assert.match(
      laneFocusSentence("pilotnet", "pilotnet", figures(3, 2)) ?? "",
      /^pilotnet \(--model\) looks at lane markings more than pilotnet \(--compare\)/,
    );
  });
});
