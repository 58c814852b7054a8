import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChunkCompression } from "../../src/bag/mcap-compression";
import { McapReader } from "../../src/bag/mcap-reader";
import { McapWriter } from "../../src/bag/mcap-writer";
import { collect, tempDir } from "./helpers";

interface Written {
  channelId: number;
  logTime: bigint;
  data: Uint8Array;
}

/** Writes `count` messages on two channels, sizes varying, with a small chunk size so there are many chunks. */
async function writeSample(
  file: string,
  compression: ChunkCompression,
  count = 60,
  chunkSize = 3000,
): Promise<Written[]> {
  const writer = await McapWriter.create(file, { compression, chunkSize, library: "test" });
  const schema = await writer.addSchema({
    name: "std_msgs/msg/Float32",
    encoding: "ros2msg",
    data: new TextEncoder().encode("float32 data"),
  });
  const a = await writer.addChannel({
    schemaId: schema,
    topic: "/a",
    messageEncoding: "cdr",
    metadata: { offered_qos_profiles: "" },
  });
  const b = await writer.addChannel({ schemaId: schema, topic: "/b", messageEncoding: "cdr" });
  const written: Written[] = [];
  for (let i = 0; i < count; i++) {
    const data = new Uint8Array(100 + ((i * 37) % 400)).fill(i % 256);
    const channelId = i % 3 === 0 ? b : a;
    const logTime = 1_000_000_000_000n + BigInt(i) * 33_000_000n;
    await writer.addMessage({ channelId, logTime, data, sequence: i });
    written.push({ channelId, logTime, data });
  }
  await writer.close();
  return written;
}

function sameMessages(
  actual: { channelId: number; logTime: bigint; data: Uint8Array }[],
  expected: Written[],
): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((m, i) => {
    assert.equal(m.logTime, expected[i].logTime, `log time of message ${i}`);
    assert.equal(m.channelId, expected[i].channelId);
    assert.ok(Buffer.from(m.data).equals(Buffer.from(expected[i].data)), `bytes of message ${i}`);
  });
}

describe("bag/mcap: writer and reader", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  for (const compression of ["", "zstd", "lz4"] as const) {
    it(`round-trips messages through ${compression || "uncompressed"} chunks with a full summary`, async () => {
      const file = path.join(tmp.dir, "a.mcap");
      const written = await writeSample(file, compression);
      const reader = await McapReader.open(file);
      try {
        assert.equal(reader.fromSummary, true);
        assert.deepEqual(reader.problems, []);
        assert.deepEqual(reader.header, { profile: "ros2", library: "test" });
        assert.equal(reader.counts.messageCount, 60);
        assert.equal(reader.counts.channelMessageCounts.get(2), 20);
        assert.equal(reader.counts.startTime, written[0].logTime);
        assert.equal(reader.counts.endTime, written[59].logTime);
        assert.deepEqual(
          [...reader.channels.values()].map((c) => c.topic),
          ["/a", "/b"],
        );
        sameMessages(await collect(reader.messages()), written);
        sameMessages(
          await collect(reader.messages({ channelIds: [2] })),
          written.filter((w) => w.channelId === 2),
        );
      } finally {
        await reader.close();
      }
    });
  }

  it("keeps every chunk's bytes when chunks are sealed while earlier ones are still being written", async () => {
    // The writer reuses a written chunk's buffer; messages added without waiting seal chunk after
    // chunk while the first are still on their way to the file.
    const file = path.join(tmp.dir, "reuse.mcap");
    const writer = await McapWriter.create(file, { compression: "", chunkSize: 1000, library: "test" });
    const schema = await writer.addSchema({ name: "s", encoding: "ros2msg", data: new Uint8Array() });
    const channelId = await writer.addChannel({ schemaId: schema, topic: "/x", messageEncoding: "cdr" });
    const written: Written[] = [];
    const adding: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const data = new Uint8Array(300 + ((i * 53) % 900)).fill((i * 7) % 256);
      const logTime = 1_000n + BigInt(i);
      adding.push(writer.addMessage({ channelId, logTime, data, sequence: i }));
      written.push({ channelId, logTime, data });
    }
    await Promise.all(adding);
    await writer.close();
    const reader = await McapReader.open(file);
    try {
      assert.deepEqual(reader.problems, []);
      sameMessages(await collect(reader.messages()), written);
    } finally {
      await reader.close();
    }
  });

  it("copyOut gives every message a buffer of its own with the same bytes, also when chunks overlap in time", async () => {
    // Chunks of one or two messages whose times interleave: the merge holds messages of a chunk
    // while later chunks are read into the reader's reused buffers.
    const file = path.join(tmp.dir, "overlap.mcap");
    const writer = await McapWriter.create(file, { compression: "", chunkSize: 150 });
    const schema = await writer.addSchema({ name: "x/msg/Y", encoding: "ros2msg", data: new Uint8Array() });
    const ch = await writer.addChannel({ schemaId: schema, topic: "/t", messageEncoding: "cdr" });
    const times = [90n, 10n, 80n, 20n, 70n, 30n, 60n, 40n, 50n, 5n, 95n, 45n, 15n, 85n];
    for (const [i, t] of times.entries())
      await writer.addMessage({ channelId: ch, logTime: t, data: new Uint8Array(100 + i).fill(i + 1) });
    await writer.close();
    const reader = await McapReader.open(file);
    try {
      const plain = await collect(reader.messages());
      const copies: Uint8Array[] = [];
      const owned = await collect(
        reader.messages({
          copyOut: (bytes) => {
            const copy = bytes.slice();
            copies.push(copy);
            return copy;
          },
        }),
      );
      assert.deepEqual(
        owned.map((m) => m.logTime),
        [...times].sort((x, y) => (x < y ? -1 : 1)),
      );
      assert.equal(copies.length, times.length);
      owned.forEach((m, i) => {
        assert.ok(Buffer.from(m.data).equals(Buffer.from(plain[i].data)), `bytes of message ${i}`);
        assert.ok(copies.includes(m.data), `message ${i} is copyOut's buffer`);
        assert.equal(m.data.byteLength, m.data.buffer.byteLength, `message ${i} has its buffer to itself`);
      });
    } finally {
      await reader.close();
    }
  });

  it("returns messages in log-time order when they were written out of order", async () => {
    const file = path.join(tmp.dir, "order.mcap");
    const writer = await McapWriter.create(file, { chunkSize: 200 });
    const schema = await writer.addSchema({ name: "x/msg/Y", encoding: "ros2msg", data: new Uint8Array() });
    const ch = await writer.addChannel({ schemaId: schema, topic: "/t", messageEncoding: "cdr" });
    const times = [50n, 10n, 40n, 30n, 20n, 60n, 5n, 45n];
    for (const t of times)
      await writer.addMessage({ channelId: ch, logTime: t, data: new Uint8Array(100).fill(Number(t)) });
    await writer.close();
    const reader = await McapReader.open(file);
    const got = (await collect(reader.messages())).map((m) => m.logTime);
    await reader.close();
    assert.deepEqual(
      got,
      [...times].sort((x, y) => (x < y ? -1 : 1)),
    );
  });

  for (const compression of ["", "zstd"] as const) {
    it(`reads every complete message of a ${compression || "uncompressed"} file cut in half, and reports the skip`, async () => {
      const file = path.join(tmp.dir, "full.mcap");
      const written = await writeSample(file, compression, 200);
      const bytes = fs.readFileSync(file);
      const cut = path.join(tmp.dir, "cut.mcap");
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
      const reader = await McapReader.open(cut);
      try {
        assert.equal(reader.fromSummary, false);
        const kinds = reader.problems.map((p) => p.kind);
        assert.ok(kinds.includes("no-summary"));
        assert.ok(kinds.includes("truncated"), JSON.stringify(reader.problems));
        const truncated = reader.problems.find((p) => p.kind === "truncated");
        assert.ok((truncated?.skippedBytes ?? 0) > 0);
        const got = await collect(reader.messages());
        assert.equal(reader.counts.messageCount, got.length);
        // What was readable is exactly the first messages written, in order.
        assert.ok(got.length >= 50 && got.length < 200, `read ${got.length}`);
        sameMessages(got, written.slice(0, got.length));
        if (compression === "") {
          // A cut-off uncompressed chunk still gives its complete messages.
          assert.match(truncated?.message ?? "", /: [1-9]\d* complete messages read from it/);
        }
      } finally {
        await reader.close();
      }
    });
  }

  it("leaves a valid file when closed early, including messages not yet awaited", async () => {
    const file = path.join(tmp.dir, "early.mcap");
    const writer = await McapWriter.create(file, { chunkSize: 1000 });
    const schema = await writer.addSchema({ name: "x/msg/Y", encoding: "ros2msg", data: new Uint8Array() });
    const ch = await writer.addChannel({ schemaId: schema, topic: "/t", messageEncoding: "cdr" });
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 25; i++)
      pending.push(
        writer.addMessage({ channelId: ch, logTime: BigInt(i), data: new Uint8Array(300).fill(i) }),
      );
    await writer.close(); // as a Ctrl-C handler would, without waiting for the writes first
    await Promise.all(pending);
    await writer.close(); // idempotent
    assert.throws(
      () => writer.addMessage({ channelId: ch, logTime: 99n, data: new Uint8Array(1) }),
      /after close\(\)/,
    );
    const reader = await McapReader.open(file);
    try {
      assert.equal(reader.fromSummary, true);
      assert.equal((await collect(reader.messages())).length, 25);
    } finally {
      await reader.close();
    }
  });

  it("writes a valid empty file when closed before any message", async () => {
    const file = path.join(tmp.dir, "empty.mcap");
    const writer = await McapWriter.create(file);
    await writer.close();
    const reader = await McapReader.open(file);
    assert.equal(reader.fromSummary, true);
    assert.equal(reader.counts.messageCount, 0);
    assert.deepEqual(await collect(reader.messages()), []);
    await reader.close();
  });

  it("skips a corrupt chunk, reports it, and reads the others", async () => {
    const file = path.join(tmp.dir, "c.mcap");
    const written = await writeSample(file, "", 60, 3000);
    const bytes = fs.readFileSync(file);
    // Damage a byte inside message 5's data (a run of 0x05 bytes); its chunk's CRC then fails.
    const at = bytes.indexOf(Buffer.alloc(64, 5));
    assert.ok(at > 0);
    bytes[at + 10] ^= 0xff;
    const bad = path.join(tmp.dir, "bad.mcap");
    fs.writeFileSync(bad, bytes);
    const reader = await McapReader.open(bad);
    const got = await collect(reader.messages());
    await reader.close();
    assert.ok(got.length > 0 && got.length < written.length);
    const problem = reader.problems.find((p) => p.kind === "corrupt");
    assert.match(problem?.message ?? "", /CRC mismatch/);
  });

  it("refuses what is not MCAP and never overwrites a file", async () => {
    const file = path.join(tmp.dir, "x.txt");
    fs.writeFileSync(file, "hello, not a bag at all");
    await assert.rejects(McapReader.open(file), /not an MCAP file/);
    await assert.rejects(McapWriter.create(file), /EEXIST/);
    await assert.rejects(
      McapWriter.create(path.join(tmp.dir, "y.mcap"), { compression: "brotli" as ChunkCompression }),
      /unsupported compression "brotli"/,
    );
  });
});
