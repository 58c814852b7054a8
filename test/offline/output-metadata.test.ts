import * as assert from "node:assert/strict";
import * as path from "node:path";
import { openBag } from "../../src/bag/rosbag2-open";
import type { BagMetadataRecord } from "../../src/bag/rosbag2-types";
import { findSyntheticDriveRecord } from "../../src/offline/synthetic-drive-record";
import { writeSyntheticDriveBag } from "../../src/offline/synthetic-bag";
import { processTestBag, tempDir } from "./helpers";

describe("offline/output-setup: the input's MCAP metadata records are carried to the output", () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  const recordsOf = async (dir: string): Promise<readonly BagMetadataRecord[]> => {
    const bag = await openBag(dir);
    try {
      return bag.metadataRecords;
    } finally {
      await bag.close();
    }
  };

  for (const threads of [0, 1]) {
    it(`copies a synthetic drive's record once, and writes rosbag2's own once (${threads} frame workers)`, async () => {
      const input = path.join(tmp.dir, `drive-${threads}`);
      await writeSyntheticDriveBag(input, {
        seed: 3,
        frames: 2,
        width: 64,
        height: 48,
        rateHz: 5,
        compression: "none",
      });
      const output = path.join(tmp.dir, `out-${threads}`);
      await processTestBag({ input, output, threads, writerThread: threads > 0 });
      const before = await recordsOf(input);
      const after = await recordsOf(output);
      assert.ok(findSyntheticDriveRecord(before) !== undefined);
      assert.deepEqual(findSyntheticDriveRecord(after), findSyntheticDriveRecord(before));
      assert.deepEqual(
        after.map((r) => r.name).sort(),
        before.map((r) => r.name).sort(),
        "the same records, rosbag2's not doubled",
      );
    });
  }
});
