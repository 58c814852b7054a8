/**
 * A `BagReader` over the sqlite3 files of a rosbag2 recording (Humble's default storage; Jazzy's
 * schema with `message_definitions` is read too). Files are opened read-only and never modified.
 */
import Database from "better-sqlite3";
import { decompressZstdFrame, initCompression } from "./mcap-compression";
import { mergeByLogTime } from "./merge-by-time";
import type { BagProblem } from "./problems";
import { type BagMetadata, messagesCompressed } from "./rosbag2-metadata";
import {
  type BagMessage,
  type BagReader,
  type BagReadOptions,
  type BagTopic,
  checkTopics,
} from "./rosbag2-types";

interface TopicRow {
  id: bigint;
  name: string;
  type: string;
  serialization_format: string;
  offered_qos_profiles?: string;
}

interface CountRow {
  topic_id: bigint;
  n: bigint;
  first: bigint | null;
  last: bigint | null;
}

interface MessageRow {
  topic_id: bigint;
  timestamp: bigint;
  data: Uint8Array;
}

interface DbFile {
  readonly path: string;
  readonly db: Database;
  /** topic id in this file to topic name. */
  readonly topicNames: Map<bigint, string>;
}

export class SqliteBagReader implements BagReader {
  readonly path: string;
  readonly storage = "sqlite3" as const;
  readonly files: readonly string[];
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly listedMessageCount?: number;
  readonly startTime: bigint;
  readonly endTime: bigint;
  readonly rosDistro: string;
  /** sqlite3 storage has no metadata records. */
  readonly metadataRecords = [] as const;
  readonly #dbs: readonly DbFile[];
  readonly #problems: BagProblem[] = [];
  readonly #messageCompressed: boolean;

  private constructor(
    bagPath: string,
    dbs: DbFile[],
    topics: BagTopic[],
    totals: { count: number; start: bigint; end: bigint },
    rosDistro: string,
    messageCompressed: boolean,
    listedMessageCount: number | undefined,
  ) {
    this.path = bagPath;
    this.#dbs = dbs;
    this.files = dbs.map((d) => d.path);
    this.topics = topics;
    this.messageCount = totals.count;
    this.listedMessageCount = listedMessageCount;
    this.startTime = totals.start;
    this.endTime = totals.end;
    this.rosDistro = rosDistro;
    this.#messageCompressed = messageCompressed;
  }

  /** Opens the given `.db3` files (in order) of the bag at `bagPath`. */
  static async open(
    bagPath: string,
    files: readonly string[],
    metadata?: BagMetadata,
  ): Promise<SqliteBagReader> {
    const messageCompressed = messagesCompressed(bagPath, metadata);
    if (messageCompressed) await initCompression();
    const dbs: DbFile[] = [];
    const topics = new Map<string, BagTopic>();
    let count = 0;
    let start: bigint | undefined;
    let end: bigint | undefined;
    let rosDistro = metadata?.rosDistro ?? "";
    try {
      for (const file of files) {
        let db: Database;
        try {
          db = new Database(file, { readonly: true, fileMustExist: true });
        } catch (err) {
          throw new Error(`${file}: cannot open as sqlite3: ${(err as Error).message}`, { cause: err });
        }
        let tables: Set<string>;
        try {
          tables = new Set(
            (
              db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
            ).map((r) => r.name),
          );
        } catch (err) {
          db.close();
          throw damaged(file, err);
        }
        if (!tables.has("topics") || !tables.has("messages")) {
          db.close();
          throw new Error(`${file}: not a rosbag2 sqlite3 file (expected tables "topics" and "messages")`);
        }
        let topicRows: TopicRow[];
        let counts: CountRow[];
        let definitions: Map<string, { encoding: string; text: string }>;
        try {
          topicRows = db.prepare("SELECT * FROM topics").safeIntegers(true).all() as TopicRow[];
          definitions = readDefinitions(db, tables);
          counts = db
            .prepare(
              "SELECT topic_id, COUNT(*) AS n, MIN(timestamp) AS first, MAX(timestamp) AS last FROM messages GROUP BY topic_id",
            )
            .safeIntegers(true)
            .all() as CountRow[];
        } catch (err) {
          db.close();
          throw damaged(file, err);
        }
        const topicNames = new Map(topicRows.map((t) => [t.id, t.name]));
        dbs.push({ path: file, db, topicNames });
        if (!rosDistro && tables.has("schema")) {
          const row = db.prepare("SELECT * FROM schema").get() as { ros_distro?: string } | undefined;
          rosDistro = row?.ros_distro ?? "";
        }
        const countOf = new Map(counts.map((c) => [c.topic_id, Number(c.n)]));
        for (const c of counts) {
          count += Number(c.n);
          if (c.first !== null && (start === undefined || c.first < start)) start = c.first;
          if (c.last !== null && (end === undefined || c.last > end)) end = c.last;
        }
        for (const t of topicRows) {
          const previous = topics.get(t.name);
          const fromMeta = metadata?.topics.find((m) => m.name === t.name);
          const definition = previous?.definition ?? definitions.get(t.type);
          topics.set(t.name, {
            name: t.name,
            type: t.type,
            serializationFormat: t.serialization_format,
            offeredQosProfiles: t.offered_qos_profiles ?? fromMeta?.offeredQosProfiles ?? "",
            messageCount: (previous?.messageCount ?? 0) + (countOf.get(t.id) ?? 0),
            ...(definition ? { definition } : {}),
          });
        }
      }
    } catch (err) {
      dbs.forEach((d) => d.db.close());
      throw err;
    }
    return new SqliteBagReader(
      bagPath,
      dbs,
      [...topics.values()],
      { count, start: start ?? 0n, end: end ?? 0n },
      rosDistro,
      messageCompressed,
      metadata?.messageCount,
    );
  }

  get problems(): readonly BagProblem[] {
    return this.#problems;
  }

  messages(options: BagReadOptions = {}): AsyncIterable<BagMessage> {
    checkTopics(this, options.topics);
    const wanted = options.topics ? new Set(options.topics) : undefined;
    return mergeByLogTime(this.#dbs.map((d) => this.#fileMessages(d, wanted, options)));
  }

  async *#fileMessages(
    file: DbFile,
    wanted: ReadonlySet<string> | undefined,
    options: BagReadOptions,
  ): AsyncGenerator<BagMessage> {
    const ids = [...file.topicNames].filter(([, name]) => !wanted || wanted.has(name)).map(([id]) => id);
    if (ids.length === 0) return;
    const where = [`topic_id IN (${ids.map(() => "?").join(", ")})`];
    const params: unknown[] = [...ids];
    if (options.startTimeNs !== undefined) {
      where.push("timestamp >= ?");
      params.push(options.startTimeNs);
    }
    if (options.endTimeNs !== undefined) {
      where.push("timestamp <= ?");
      params.push(options.endTimeNs);
    }
    const statement = file.db
      .prepare(
        `SELECT topic_id, timestamp, data FROM messages WHERE ${where.join(" AND ")} ORDER BY timestamp, id`,
      )
      .safeIntegers(true);
    const rows = statement.iterate(...params) as IterableIterator<MessageRow>;
    let read = 0;
    try {
      for (;;) {
        let next: IteratorResult<MessageRow>;
        try {
          next = rows.next();
        } catch (err) {
          this.#problems.push({
            file: file.path,
            kind: "corrupt",
            message: `sqlite3 error after ${read} messages: ${(err as Error).message}; the rest of this file was skipped (${RECOVER_HINT})`,
          });
          return;
        }
        if (next.done) return;
        const row = next.value;
        read++;
        const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
        yield {
          topic: file.topicNames.get(row.topic_id) ?? "",
          logTimeNs: row.timestamp,
          data: this.#messageCompressed ? decompressZstdFrame(data) : data,
        };
      }
    } finally {
      rows.return?.();
    }
  }

  async close(): Promise<void> {
    for (const d of this.#dbs) if (d.db.open) d.db.close();
  }
}

/** What to do about a damaged database file. */
const RECOVER_HINT =
  "sqlite3's .recover may salvage the rest: sqlite3 FILE .recover | sqlite3 recovered.db3, then give the bag tool recovered.db3";

/** An error for a database file that sqlite3 cannot read, naming it and what to try. */
function damaged(file: string, err: unknown): Error {
  return new Error(
    `${file}: the sqlite3 database is damaged or cut short (${(err as Error).message}); ${RECOVER_HINT.replace("FILE", file)}`,
    { cause: err },
  );
}

/** Jazzy stores each type's definition in `message_definitions`. */
function readDefinitions(
  db: Database,
  tables: ReadonlySet<string>,
): Map<string, { encoding: string; text: string }> {
  const out = new Map<string, { encoding: string; text: string }>();
  if (!tables.has("message_definitions")) return out;
  const rows = db
    .prepare("SELECT topic_type, encoding, encoded_message_definition FROM message_definitions")
    .all() as {
    topic_type: string;
    encoding: string;
    encoded_message_definition: string;
  }[];
  for (const r of rows)
    if (r.encoded_message_definition)
      out.set(r.topic_type, { encoding: r.encoding, text: r.encoded_message_definition });
  return out;
}
