import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import { stringifyBagMetadata } from "../../src/bag/rosbag2-metadata";
import type { BagMessage } from "../../src/bag/rosbag2-types";

export interface SqliteTopic {
  readonly name: string;
  readonly type: string;
  /** The offered_qos_profiles string rosbag2 records. */
  readonly qos: string;
}

/**
 * Writes a sqlite3 bag exactly in Humble's schema (what `ros2 bag record -s sqlite3` makes: no type
 * definitions), with or without its metadata.yaml.
 */
export function writeHumbleSqliteBag(
  dir: string,
  topics: readonly SqliteTopic[],
  messages: readonly BagMessage[],
  withMetadata = true,
): void {
  fs.mkdirSync(dir);
  const name = `${path.basename(dir)}_0.db3`;
  const db = new Database(path.join(dir, name));
  db.exec(`
    CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);
    CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);
    CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL);
    CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL);
    CREATE INDEX timestamp_idx ON messages (timestamp ASC);
    INSERT INTO schema VALUES (3, 'humble');
  `);
  const addTopic = db.prepare(
    "INSERT INTO topics (name, type, serialization_format, offered_qos_profiles) VALUES (?, ?, 'cdr', ?)",
  );
  topics.forEach((t) => addTopic.run(t.name, t.type, t.qos));
  const ids = new Map(topics.map((t, i) => [t.name, i + 1]));
  const add = db.prepare("INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)");
  db.transaction(() =>
    messages.forEach((m) => add.run(ids.get(m.topic), m.logTimeNs, Buffer.from(m.data))),
  )();
  db.close();
  if (!withMetadata) return;
  const start = messages[0].logTimeNs;
  const duration = messages[messages.length - 1].logTimeNs - start;
  fs.writeFileSync(
    path.join(dir, "metadata.yaml"),
    stringifyBagMetadata({
      version: 5,
      storageIdentifier: "sqlite3",
      relativeFilePaths: [name],
      durationNs: duration,
      startingTimeNs: start,
      messageCount: messages.length,
      topics: topics.map((t) => ({
        name: t.name,
        type: t.type,
        serializationFormat: "cdr",
        offeredQosProfiles: t.qos,
        messageCount: messages.filter((m) => m.topic === t.name).length,
      })),
      compressionFormat: "",
      compressionMode: "",
      files: [{ path: name, startingTimeNs: start, durationNs: duration, messageCount: messages.length }],
      customData: {},
      rosDistro: "humble",
    }),
  );
}
