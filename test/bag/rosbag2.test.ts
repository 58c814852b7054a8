import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { McapReader } from "../../src/bag/mcap-reader";
import { MessageRegistry } from "../../src/bag/msg-registry";
import { DEFAULT_QOS_PROFILES, parseBagMetadata } from "../../src/bag/rosbag2-metadata";
import { openBag } from "../../src/bag/rosbag2-open";
import type { BagMessage, BagReader } from "../../src/bag/rosbag2-types";
import { OUTPUT_MARKER } from "../../src/bag/output-path";
import { createBagWriter } from "../../src/bag/rosbag2-writer";
import type { SteeringCommandMsg } from "../../src/bag/ros-types";
import { createSerializer } from "../../src/bag/serializer-factory";
import { writeHumbleSqliteBag as writeSqlite } from "../support/sqlite-bag";
import { collect, FIXTURES, fixturePixels, IMAGE_TOPIC, STEERING_TOPIC, tempDir } from "./helpers";

const serializer = createSerializer();
const T0 = 1_795_672_093_000_000_000n;

/** A small synthetic drive: images and steering at 10 Hz, as serialized CDR. */
function syntheticMessages(frames: number): BagMessage[] {
  const out: BagMessage[] = [];
  for (let i = 0; i < frames; i++) {
    const t = T0 + BigInt(i) * 100_000_000n;
    const stamp = { sec: Number(t / 1_000_000_000n), nanosec: Number(t % 1_000_000_000n) };
    out.push({
      topic: IMAGE_TOPIC,
      logTimeNs: t + 1_000n,
      data: serializer.encode("sensor_msgs/msg/Image", {
        header: { stamp, frame_id: "front" },
        height: 48,
        width: 64,
        encoding: "rgb8",
        is_bigendian: 0,
        step: 192,
        data: fixturePixels(i),
      }),
    });
    out.push({
      topic: STEERING_TOPIC,
      logTimeNs: t + 2_000n,
      data: serializer.encode("std_msgs/msg/Float32", { data: 0.01 * i }),
    });
  }
  return out;
}

const TOPICS = [
  { name: IMAGE_TOPIC, type: "sensor_msgs/msg/Image" },
  { name: STEERING_TOPIC, type: "std_msgs/msg/Float32" },
];

/** Humble's sqlite3 layout for this file's two topics. */
function writeHumbleSqliteBag(dir: string, messages: readonly BagMessage[], withMetadata: boolean): void {
  writeSqlite(
    dir,
    TOPICS.map((t) => ({ ...t, qos: DEFAULT_QOS_PROFILES })),
    messages,
    withMetadata,
  );
}

async function readAll(bagPath: string): Promise<{ bag: BagReader; messages: BagMessage[] }> {
  const bag = await openBag(bagPath);
  try {
    return { bag, messages: await collect(bag.messages()) };
  } finally {
    await bag.close();
  }
}

function assertSameMessages(actual: readonly BagMessage[], expected: readonly BagMessage[]): void {
  assert.equal(actual.length, expected.length, "message count");
  actual.forEach((m, i) => {
    assert.equal(m.topic, expected[i].topic, `topic of ${i}`);
    assert.equal(m.logTimeNs, expected[i].logTimeNs, `log time of ${i}`);
    assert.ok(Buffer.from(m.data).equals(Buffer.from(expected[i].data)), `bytes of ${i}`);
  });
}

describe("bag/rosbag2: reading and writing bag directories", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  for (const withMetadata of [true, false]) {
    it(`reads a sqlite3 bag in Humble's schema ${withMetadata ? "with" : "without"} metadata.yaml`, async () => {
      const messages = syntheticMessages(12);
      const dir = path.join(tmp.dir, "sq");
      writeHumbleSqliteBag(dir, messages, withMetadata);
      const { bag, messages: got } = await readAll(dir);
      assert.equal(bag.storage, "sqlite3");
      assert.equal(bag.messageCount, 24);
      assert.equal(bag.startTime, messages[0].logTimeNs);
      assert.equal(bag.endTime, messages[23].logTimeNs);
      assert.equal(bag.rosDistro, "humble");
      assert.deepEqual(
        bag.topics.map((t) => [t.name, t.type, t.messageCount, t.offeredQosProfiles]),
        TOPICS.map((t) => [t.name, t.type, 12, DEFAULT_QOS_PROFILES]),
      );
      assertSameMessages(got, messages);
    });
  }

  for (const compression of ["zstd", "none"] as const) {
    it(`writes an MCAP bag (${compression}) that reads back with the same bytes, counts and log times`, async () => {
      const messages = syntheticMessages(20);
      const out = path.join(tmp.dir, `out_${compression}`);
      const writer = await createBagWriter(out, {
        compression,
        chunkSize: 20_000,
        registry: MessageRegistry.withBuiltins(),
      });
      for (const t of TOPICS) await writer.addTopic(t);
      for (const m of messages) await writer.write(m.topic, m.logTimeNs, m.data);
      const metadata = await writer.close();
      assert.equal(metadata.messageCount, 40);

      assert.deepEqual(fs.readdirSync(out).sort(), [
        OUTPUT_MARKER,
        "metadata.yaml",
        `out_${compression}_0.mcap`,
      ]);
      const yaml = parseBagMetadata(fs.readFileSync(path.join(out, "metadata.yaml"), "utf8"));
      assert.equal(yaml.version, 5);
      assert.equal(yaml.storageIdentifier, "mcap");
      assert.deepEqual(yaml.relativeFilePaths, [`out_${compression}_0.mcap`]);
      assert.equal(yaml.startingTimeNs, messages[0].logTimeNs);
      assert.equal(yaml.durationNs, messages[39].logTimeNs - messages[0].logTimeNs);
      assert.equal(yaml.messageCount, 40);
      assert.deepEqual(
        yaml.topics.map((t) => [t.name, t.type, t.serializationFormat, t.messageCount, t.offeredQosProfiles]),
        TOPICS.map((t) => [t.name, t.type, "cdr", 20, DEFAULT_QOS_PROFILES]),
      );
      assert.equal(yaml.files[0].messageCount, 40);
      assert.equal(yaml.rosDistro, "humble");
      assert.match(
        fs.readFileSync(path.join(out, "metadata.yaml"), "utf8"),
        /offered_qos_profiles: "- history: 1\\n {2}depth: 10\\n/,
      );

      const { bag, messages: got } = await readAll(out);
      assert.equal(bag.storage, "mcap");
      assert.deepEqual(bag.problems, []);
      assert.equal(bag.messageCount, 40);
      assertSameMessages(got, messages);

      // The MCAP file itself: ros2 profile, cdr, ros2msg schemas with dependencies, chunks as asked.
      const mcap = await McapReader.open(path.join(out, `out_${compression}_0.mcap`));
      await mcap.close();
      assert.equal(mcap.header.profile, "ros2");
      assert.equal(mcap.fromSummary, true);
      assert.equal(mcap.metadata.find((m) => m.name === "rosbag2")?.metadata.get("ROS_DISTRO"), "humble");
      const image = [...mcap.schemas.values()].find((s) => s.name === "sensor_msgs/msg/Image");
      assert.equal(image?.encoding, "ros2msg");
      assert.equal(
        new TextDecoder().decode(image?.data),
        MessageRegistry.withBuiltins().ros2MsgSchema("sensor_msgs/msg/Image"),
      );
      for (const c of mcap.channels.values()) {
        assert.equal(c.messageEncoding, "cdr");
        assert.equal(c.metadata.get("offered_qos_profiles"), DEFAULT_QOS_PROFILES);
      }
      const raw = fs.readFileSync(path.join(out, `out_${compression}_0.mcap`));
      assert.equal(raw.includes(Buffer.from("zstd")), compression === "zstd");
    });
  }

  it("copies a real Humble bag through the writer and adds a package topic", async function () {
    const input = path.join(FIXTURES, "humble_sqlite3");
    const out = path.join(tmp.dir, "copy");
    const bag = await openBag(input);
    const writer = await createBagWriter(out, { inputs: [input], registry: MessageRegistry.withBuiltins() });
    for (const t of bag.topics)
      await writer.addTopic({ name: t.name, type: t.type, offeredQosProfiles: t.offeredQosProfiles });
    await writer.addTopic({
      name: "/visualbackprop/front/steering",
      type: "visualbackprop/msg/SteeringCommand",
    });
    const expected = await collect(bag.messages());
    for (const m of expected) {
      await writer.write(m.topic, m.logTimeNs, m.data);
      if (m.topic === IMAGE_TOPIC) {
        const steering: SteeringCommandMsg = {
          header: { stamp: { sec: 1, nanosec: 2 }, frame_id: "front" },
          curvature: 0.5,
          steering_wheel_angle: 0.25,
          model_name: "pilotnet",
        };
        await writer.write(
          "/visualbackprop/front/steering",
          m.logTimeNs,
          serializer.encode("visualbackprop/msg/SteeringCommand", steering),
        );
      }
    }
    await bag.close();
    await writer.close();
    const { bag: copy, messages } = await readAll(out);
    assert.equal(copy.messageCount, 45);
    assertSameMessages(
      messages.filter((m) => !m.topic.startsWith("/visualbackprop")),
      expected,
    );
    const added = messages.filter((m) => m.topic.startsWith("/visualbackprop"));
    assert.equal(added.length, 15);
    const reread = createSerializer(copy);
    assert.equal(
      reread.decode<SteeringCommandMsg>("visualbackprop/msg/SteeringCommand", added[0].data).model_name,
      "pilotnet",
    );
  });

  it("leaves a readable bag when closed early", async () => {
    const out = path.join(tmp.dir, "early");
    const writer = await createBagWriter(out, { chunkSize: 1 << 20 });
    for (const t of TOPICS) await writer.addTopic(t);
    const messages = syntheticMessages(5);
    const pending = messages.map((m) => writer.write(m.topic, m.logTimeNs, m.data));
    await Promise.all(pending);
    await writer.close();
    await writer.close();
    await assert.rejects(writer.write(STEERING_TOPIC, T0, new Uint8Array(8)), /after close\(\)/);
    const { bag, messages: got } = await readAll(out);
    assert.equal(bag.messageCount, 10);
    assertSameMessages(got, messages);
  });

  it("refuses an existing output unless forced, a forced non-bag directory, and the input itself", async () => {
    const out = path.join(tmp.dir, "out");
    fs.mkdirSync(out);
    await assert.rejects(createBagWriter(out), /already exists \(pass --force/);
    let writer = await createBagWriter(out, { force: true });
    await writer.close();
    assert.ok(fs.existsSync(path.join(out, OUTPUT_MARKER)), "its outputs are marked");
    writer = await createBagWriter(out, { force: true });
    await writer.close();
    assert.ok(
      fs.readFileSync(path.join(out, "metadata.yaml"), "utf8").startsWith("rosbag2_bagfile_information"),
    );

    const home = path.join(tmp.dir, "home");
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "notes.txt"), "precious");
    await assert.rejects(createBagWriter(home, { force: true }), /does not look like a bag/);
    assert.ok(fs.existsSync(path.join(home, "notes.txt")));

    const input = path.join(tmp.dir, "input");
    writeHumbleSqliteBag(input, syntheticMessages(2), true);
    await assert.rejects(createBagWriter(input, { force: true, inputs: [input] }), /is the input bag/);
    await assert.rejects(
      createBagWriter(path.join(input, "sub"), { inputs: [input] }),
      /is the input bag .* or inside it/,
    );
    await assert.rejects(
      createBagWriter(tmp.dir, { force: true, inputs: [input] }),
      /contains the input bag/,
    );
    const inputFile = path.join(input, "input_0.db3");
    await assert.rejects(
      createBagWriter(inputFile, { force: true, inputs: [inputFile] }),
      /is the input bag/,
    );
    assert.equal((await readAll(input)).messages.length, 4, "the input is intact");

    // A recording this package did not write is never replaced, however bag-like it looks.
    const victim = path.join(tmp.dir, "victim");
    fs.cpSync(path.join(FIXTURES, "humble_sqlite3"), victim, { recursive: true });
    await assert.rejects(
      createBagWriter(victim, { force: true }),
      /is a recording this tool did not write \(no \.visualbackprop-output in it\)/,
    );
    assert.deepEqual(fs.readdirSync(victim).sort(), ["humble_sqlite3_0.db3", "metadata.yaml"]);

    // A storage file inside a bag directory stands for that directory, as the directory form does.
    await assert.rejects(
      createBagWriter(path.join(input, "sub"), { inputs: [inputFile] }),
      /is the input bag .* or inside it/,
    );

    const options = Object.freeze({ compression: "none" as const, force: false });
    const w2 = await createBagWriter(path.join(tmp.dir, "frozen"), options);
    await w2.close();
  });

  it("gives clear errors: missing path, not a bag, unknown storage, missing storage file", async () => {
    await assert.rejects(openBag(path.join(tmp.dir, "nope")), /no such file or directory/);
    const text = path.join(tmp.dir, "notes.txt");
    fs.writeFileSync(text, "hello");
    await assert.rejects(openBag(text), /not a bag/);
    await assert.rejects(openBag(tmp.dir), /not a bag \(no metadata.yaml/);

    const odd = path.join(tmp.dir, "odd");
    fs.mkdirSync(odd);
    fs.writeFileSync(
      path.join(odd, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: rosbag_v1\n  relative_file_paths: [odd_0.bag]\n",
    );
    fs.writeFileSync(path.join(odd, "odd_0.bag"), "x");
    await assert.rejects(openBag(odd), /unknown storage "rosbag_v1"/);

    const missing = path.join(tmp.dir, "missing");
    fs.mkdirSync(missing);
    fs.writeFileSync(
      path.join(missing, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: mcap\n  relative_file_paths: [missing_0.mcap]\n",
    );
    await assert.rejects(openBag(missing), /lists missing_0.mcap, which is missing/);

    for (const [storage, file] of [
      ["mcap", "packed_0.mcap.zstd"],
      ["sqlite3", "packed_0.db3.zstd"],
    ]) {
      const packed = path.join(tmp.dir, `packed-${storage}`);
      fs.mkdirSync(packed);
      fs.writeFileSync(
        path.join(packed, "metadata.yaml"),
        `rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: ${storage}\n  relative_file_paths: [${file}]\n  compression_format: zstd\n  compression_mode: FILE\n`,
      );
      fs.writeFileSync(path.join(packed, file), "x");
      await assert.rejects(
        openBag(packed),
        /file-compressed bags \(compression_mode FILE\) are not supported/,
      );
    }

    const notYaml = path.join(tmp.dir, "notyaml");
    fs.mkdirSync(notYaml);
    fs.writeFileSync(path.join(notYaml, "metadata.yaml"), "just: text\n");
    await assert.rejects(openBag(notYaml), /not rosbag2 metadata/);
  });

  it("reads a truncated MCAP bag partially and reports the skip", async () => {
    const out = path.join(tmp.dir, "big");
    const writer = await createBagWriter(out, { chunkSize: 30_000 });
    for (const t of TOPICS) await writer.addTopic(t);
    const messages = syntheticMessages(40);
    for (const m of messages) await writer.write(m.topic, m.logTimeNs, m.data);
    await writer.close();
    const file = path.join(out, "big_0.mcap");
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.byteLength >> 1));
    const bag = await openBag(out);
    const got = await collect(bag.messages());
    await bag.close();
    assert.ok(got.length > 10 && got.length < 80, `${got.length}`);
    assertSameMessages(got, messages.slice(0, got.length));
    assert.ok(bag.problems.some((p) => p.kind === "truncated"));
  });

  it("merges the files of a split bag in log-time order", async () => {
    const messages = syntheticMessages(10);
    const parts = [messages.filter((_, i) => i < 8), messages.filter((_, i) => i >= 8)];
    const dir = path.join(tmp.dir, "split");
    fs.mkdirSync(dir);
    const files: string[] = [];
    for (const [k, part] of parts.entries()) {
      const w = await createBagWriter(path.join(tmp.dir, `part${k}`));
      for (const t of TOPICS) await w.addTopic(t);
      for (const m of part) await w.write(m.topic, m.logTimeNs, m.data);
      await w.close();
      const name = `split_${k}.mcap`;
      fs.renameSync(path.join(tmp.dir, `part${k}`, `part${k}_0.mcap`), path.join(dir, name));
      files.push(name);
    }
    fs.writeFileSync(
      path.join(dir, "metadata.yaml"),
      `rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: mcap\n  relative_file_paths: [${files.join(", ")}]\n`,
    );
    const { bag, messages: got } = await readAll(dir);
    assert.equal(bag.files.length, 2);
    assert.equal(bag.messageCount, 20);
    assertSameMessages(got, messages);
  });
});
