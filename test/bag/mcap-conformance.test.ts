import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { openBag } from "../../src/bag/rosbag2-open";
import { McapWriter } from "../../src/bag/mcap-writer";
import { processBag } from "../../src/offline/bag-processor";
import { writeSyntheticDriveBag } from "../../src/offline/synthetic-bag";
import { testMessages, testModel, writeMcapBag } from "../offline/helpers";
import { readWithMcapCore } from "./mcap-core-check";
import { collect, tempDir } from "./helpers";

/** Every .mcap file under a bag directory. */
function mcapFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".mcap"))
    .map((f) => path.join(dir, f));
}

/** Checks that @mcap/core reads what the project's own reader reads, message for message. */
async function conforms(bagDir: string): Promise<number> {
  const files = mcapFiles(bagDir);
  assert.ok(files.length > 0, `no .mcap file in ${bagDir}`);
  let total = 0;
  for (const file of files) {
    const core = await readWithMcapCore(file);
    assert.equal(core.statisticsCount, BigInt(core.messageCount), `${file}: statistics message count`);
    total += core.messageCount;
  }
  const bag = await openBag(bagDir);
  try {
    assert.equal((await collect(bag.messages())).length, total);
    assert.deepEqual(bag.problems, []);
  } finally {
    await bag.close();
  }
  return total;
}

describe("bag/mcap conformance: every bag the project writes reads back in @mcap/core, CRCs checked", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  for (const compression of ["", "zstd", "lz4"] as const) {
    it(`McapWriter, ${compression || "uncompressed"} chunks, many chunks, closed with messages not awaited`, async () => {
      const file = path.join(tmp.dir, "a.mcap");
      const writer = await McapWriter.create(file, { compression, chunkSize: 2000 });
      const schema = await writer.addSchema({ name: "x/msg/Y", encoding: "ros2msg", data: new Uint8Array() });
      const a = await writer.addChannel({ schemaId: schema, topic: "/a", messageEncoding: "cdr" });
      const b = await writer.addChannel({ schemaId: schema, topic: "/b", messageEncoding: "cdr" });
      await writer.addMetadata("rosbag2", { ROS_DISTRO: "humble" });
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) {
        const data = new Uint8Array(100 + ((i * 71) % 500)).fill(i);
        pending.push(writer.addMessage({ channelId: i % 2 ? a : b, logTime: BigInt(1000 - i), data }));
      }
      await writer.close();
      await Promise.all(pending);
      const core = await readWithMcapCore(file);
      assert.deepEqual([...core.topics.entries()].sort(), [
        ["/a", 25],
        ["/b", 25],
      ]);
    });
  }

  it("McapWriter, an empty file", async () => {
    const file = path.join(tmp.dir, "empty.mcap");
    await (await McapWriter.create(file)).close();
    assert.equal((await readWithMcapCore(file)).messageCount, 0);
  });

  for (const compression of ["zstd", "lz4", "none"] as const) {
    it(`rosbag2 writer and the bag tool's output, --compression ${compression}`, async () => {
      const input = path.join(tmp.dir, "in");
      const output = path.join(tmp.dir, "out");
      const bag = await testMessages({
        frames: 6,
        cameras: ["/cam/image_raw", "/cam2/image_raw/compressed"],
      });
      await writeMcapBag(input, bag, { compression, chunkSize: 4000 });
      assert.equal(await conforms(input), bag.messages.length);
      await processBag({
        model: await testModel(),
        colorMap: "jet",
        opacity: 0.5,
        geometry: { wheelbaseM: 2.85, steeringRatio: 15 },
        batch: 4,
        input,
        output,
        compression,
      });
      assert.ok((await conforms(output)) > bag.messages.length);
    });
  }

  it("the synthetic drive bag", async () => {
    const dir = path.join(tmp.dir, "drive");
    const frames = await writeSyntheticDriveBag(dir, { seed: 3, frames: 5, width: 64, height: 48 });
    assert.ok((await conforms(dir)) >= frames);
  });
});
