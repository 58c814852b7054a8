import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { openBag } from "../../src/bag/rosbag2-open";
import { DEFAULT_QOS_PROFILES, parseBagMetadata } from "../../src/bag/rosbag2-metadata";
import type { Float32Msg, ImageMsg } from "../../src/bag/ros-types";
import { stampToNs } from "../../src/bag/ros-types";
import { createSerializer } from "../../src/bag/serializer-factory";
import {
  collect,
  FIXTURE_BAGS,
  FIXTURES,
  fixturePixels,
  hex,
  IMAGE_TOPIC,
  snapshot,
  STEERING_TOPIC,
} from "./helpers";

describe("bag/fixtures: bags recorded by a real rosbag2 (Humble)", function () {
  for (const name of FIXTURE_BAGS) {
    describe(name, () => {
      const dir = path.join(FIXTURES, name);

      it("opens with the topics, counts and times of its metadata.yaml", async () => {
        const meta = parseBagMetadata(fs.readFileSync(path.join(dir, "metadata.yaml"), "utf8"));
        const bag = await openBag(dir);
        try {
          assert.equal(bag.storage, meta.storageIdentifier);
          assert.equal(bag.messageCount, 30);
          assert.equal(bag.startTime, meta.startingTimeNs);
          assert.equal(bag.endTime - bag.startTime, meta.durationNs);
          assert.equal(bag.rosDistro, "humble");
          const topics = Object.fromEntries(bag.topics.map((t) => [t.name, t]));
          assert.equal(topics[IMAGE_TOPIC].type, "sensor_msgs/msg/Image");
          assert.equal(topics[STEERING_TOPIC].type, "std_msgs/msg/Float32");
          for (const t of bag.topics) {
            assert.equal(t.messageCount, 15);
            assert.equal(t.serializationFormat, "cdr");
            assert.equal(t.offeredQosProfiles, DEFAULT_QOS_PROFILES);
          }
          assert.deepEqual(bag.problems, []);
        } finally {
          await bag.close();
        }
      });

      it("decodes every message: the pixel formula and the steering values hold, re-encoding is byte-identical", async () => {
        const before = snapshot(dir);
        const bag = await openBag(dir);
        const serializer = createSerializer(bag);
        const messages = await collect(bag.messages());
        await bag.close();
        assert.equal(messages.length, 30);
        for (let k = 1; k < messages.length; k++)
          assert.ok(messages[k - 1].logTimeNs <= messages[k].logTimeNs, "log-time order");
        let frame = 0;
        let steer = 0;
        let lastStamp = 0n;
        for (const m of messages) {
          const type = m.topic === IMAGE_TOPIC ? "sensor_msgs/msg/Image" : "std_msgs/msg/Float32";
          if (m.topic === IMAGE_TOPIC) {
            const img = serializer.decode<ImageMsg>(type, m.data);
            assert.equal(img.header.frame_id, "front");
            assert.equal(img.width, 64);
            assert.equal(img.height, 48);
            assert.equal(img.encoding, "rgb8");
            assert.equal(img.step, 192);
            assert.equal(img.is_bigendian, 0);
            assert.ok(img.data instanceof Uint8Array);
            assert.ok(
              Buffer.from(img.data).equals(Buffer.from(fixturePixels(frame))),
              `pixels of frame ${frame}`,
            );
            const stamp = stampToNs(img.header.stamp);
            assert.ok(stamp > lastStamp);
            lastStamp = stamp;
            frame++;
          } else {
            const s = serializer.decode<Float32Msg>(type, m.data);
            assert.equal(s.data, Math.fround(0.01 * steer));
            steer++;
          }
          assert.equal(hex(serializer.encode(type, serializer.decode(type, m.data))), hex(m.data));
        }
        assert.equal(frame, 15);
        assert.equal(steer, 15);
        assert.equal(snapshot(dir), before, "the input bag is not modified");
      });

      it("filters by topic and time", async () => {
        const bag = await openBag(dir);
        try {
          const steering = await collect(bag.messages({ topics: [STEERING_TOPIC] }));
          assert.equal(steering.length, 15);
          assert.ok(steering.every((m) => m.topic === STEERING_TOPIC));
          const mid = bag.startTime + (bag.endTime - bag.startTime) / 2n;
          const late = await collect(bag.messages({ startTimeNs: mid }));
          assert.ok(late.length > 0 && late.length < 30);
          assert.ok(late.every((m) => m.logTimeNs >= mid));
          assert.throws(() => bag.messages({ topics: ["/nope"] }), /no topic "\/nope" in the bag/);
        } finally {
          await bag.close();
        }
      });
    });
  }

  it("opens the storage files directly, without metadata.yaml", async () => {
    for (const file of ["humble_mcap/humble_mcap_0.mcap", "humble_sqlite3/humble_sqlite3_0.db3"]) {
      const bag = await openBag(path.join(FIXTURES, file));
      try {
        assert.equal(bag.messageCount, 30);
        assert.equal((await collect(bag.messages())).length, 30);
      } finally {
        await bag.close();
      }
    }
  });

  it("carries the ros2msg definitions of the MCAP schemas", async () => {
    const bag = await openBag(path.join(FIXTURES, "humble_mcap"));
    await bag.close();
    const image = bag.topics.find((t) => t.name === IMAGE_TOPIC);
    assert.equal(image?.definition?.encoding, "ros2msg");
    assert.match(image?.definition?.text ?? "", /MSG: std_msgs\/Header/);
  });
});
