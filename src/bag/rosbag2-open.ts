/**
 * Opens any rosbag2 recording the package supports: a single `.mcap` or `.db3` file, or a bag
 * directory (with `metadata.yaml`, or failing that with `.mcap` or `.db3` files in it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { hasMcapMagic } from "./mcap-constants";
import { type BagMetadata, parseBagMetadata } from "./rosbag2-metadata";
import { McapBagReader, resolveBagFiles } from "./rosbag2-mcap-reader";
import { SqliteBagReader } from "./rosbag2-sqlite-reader";
import type { BagReader, StorageId } from "./rosbag2-types";

const SQLITE_MAGIC = "SQLite format 3\0";

/** Opens a bag for reading. Throws clear errors for a missing path, a non-bag, or an unknown storage. */
export async function openBag(bagPath: string): Promise<BagReader> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(bagPath);
  } catch {
    throw new Error(
      `${bagPath}: no such file or directory (expected a rosbag2 directory, an .mcap file or a .db3 file)`,
    );
  }
  if (stat.isDirectory()) return openDirectory(bagPath);
  if (!stat.isFile())
    throw new Error(`${bagPath}: not a bag (expected a rosbag2 directory, an .mcap file or a .db3 file)`);
  if (path.basename(bagPath) === "metadata.yaml") return openDirectory(path.dirname(bagPath));
  const storage = await sniff(bagPath);
  if (storage === "mcap") return McapBagReader.open(bagPath, [bagPath]);
  if (storage === "sqlite3") return SqliteBagReader.open(bagPath, [bagPath]);
  throw new Error(
    `${bagPath}: not a bag (neither MCAP nor sqlite3; expected a rosbag2 directory, an .mcap file or a .db3 file)`,
  );
}

async function openDirectory(dir: string): Promise<BagReader> {
  const metadataPath = path.join(dir, "metadata.yaml");
  if (fs.existsSync(metadataPath)) {
    let metadata: BagMetadata;
    try {
      metadata = parseBagMetadata(await fs.promises.readFile(metadataPath, "utf8"), metadataPath);
    } catch (err) {
      throw new Error(`${printable((err as Error).message)}${await storageFileHint(dir)}`, { cause: err });
    }
    const relative =
      metadata.relativeFilePaths.length > 0 ? metadata.relativeFilePaths : metadata.files.map((f) => f.path);
    const files = resolveBagFiles(dir, relative);
    if (files.length === 0)
      throw new Error(`${metadataPath}: lists no storage files (relative_file_paths is empty)`);
    for (const f of files) {
      if (!fs.existsSync(f))
        throw new Error(`${metadataPath} lists ${path.relative(dir, f) || f}, which is missing`);
    }
    return openStorage(dir, storageOf(metadata, metadataPath), files, metadata);
  }
  const entries = (await fs.promises.readdir(dir)).sort(naturalCompare);
  const mcap = entries.filter((e) => e.endsWith(".mcap")).map((e) => path.join(dir, e));
  const db3 = entries.filter((e) => e.endsWith(".db3")).map((e) => path.join(dir, e));
  if (mcap.length > 0 && db3.length > 0)
    throw new Error(`${dir}: has both .mcap and .db3 files and no metadata.yaml saying which to read`);
  if (mcap.length > 0) return McapBagReader.open(dir, mcap);
  if (db3.length > 0) return SqliteBagReader.open(dir, db3);
  throw new Error(`${dir}: not a bag (no metadata.yaml, .mcap or .db3 files in it)`);
}

function storageOf(metadata: BagMetadata, where: string): StorageId {
  const id = metadata.storageIdentifier;
  if (id === "mcap" || id === "sqlite3") return id;
  throw new Error(`${where}: unknown storage "${id}" (storage_identifier); expected mcap or sqlite3`);
}

function openStorage(
  dir: string,
  storage: StorageId,
  files: string[],
  metadata: BagMetadata,
): Promise<BagReader> {
  return storage === "mcap"
    ? McapBagReader.open(dir, files, metadata)
    : SqliteBagReader.open(dir, files, metadata);
}

/** Recognises a storage file by its first bytes, not its name. */
async function sniff(file: string): Promise<StorageId | undefined> {
  const fh = await fs.promises.open(file, "r");
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (hasMcapMagic(head.subarray(0, bytesRead))) return "mcap";
    if (bytesRead === 16 && Buffer.from(head).toString("latin1") === SQLITE_MAGIC) return "sqlite3";
    return undefined;
  } finally {
    await fh.close();
  }
}

/** Orders `bag_2.mcap` before `bag_10.mcap`, as rosbag2 numbers split files. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/**
 * The first line of a message, with control characters and undecodable bytes shown as `?` and
 * cut to a line's length: a YAML parser quotes the bad source, which for a damaged file is binary
 * that would garble the terminal.
 */
function printable(message: string): string {
  const line = message.split("\n")[0];
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const clean = line.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, "?");
  const trimmed = clean.replace(/[\s:]+$/, "");
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed;
}

/** What to try when metadata.yaml is unreadable: the storage files beside it open on their own. */
async function storageFileHint(dir: string): Promise<string> {
  const entries = (await fs.promises.readdir(dir)).sort(naturalCompare);
  const files = entries.filter((e) => e.endsWith(".mcap") || e.endsWith(".db3"));
  if (files.length === 0) return "";
  return `. The storage file${files.length === 1 ? "" : "s"} can be read without it: pass ${files
    .map((f) => path.join(dir, f))
    .join(" or ")} instead of the directory`;
}
