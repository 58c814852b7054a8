import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The record a command keeps in its output directory of the files it wrote there: one JSON line per
 * file written, `{"file": NAME, "sha256": HEX}`, the last line for a name counting. `--force`
 * overwrites a file only when it is listed with its present content, so a file of the user's (or
 * one edited since) that happens to have an output's name is never lost. The files themselves carry
 * no mark: `.npy` has no room for one, and a per-file list also serves single files, where the
 * bag tool's and the report's marker files serve whole directories.
 */
export const OUTPUT_RECORD = ".visualbackprop-files";

/**
 * Decides where a command may write in its output directory: never over one of its inputs, never
 * over an existing file unless the user said --force, and with --force only over a file this tool
 * wrote (OUTPUT_RECORD). Files are written to a temporary name and renamed, so an interrupted run
 * leaves no half-written file under the final name.
 */
export class OutputGuard {
  readonly #dir: string;
  readonly #inputs: Set<string>;
  readonly #force: boolean;
  readonly #claimed = new Set<string>();
  /** What OUTPUT_RECORD lists, name -> sha256: read on first need, compacted on the first write. */
  #record: Map<string, string> | undefined;
  #compacted = false;

  constructor(dir: string, inputs: readonly string[], force: boolean) {
    this.#dir = dir;
    this.#inputs = new Set(inputs.map(canonical));
    this.#force = force;
  }

  /**
   * Checks the output `name` (a file name in the directory); returns its path. Throws with the
   * reason when it may not be written.
   */
  claim(name: string): string {
    const file = path.join(this.#dir, name);
    const full = canonical(file);
    if (this.#inputs.has(full)) throw new Error(`refusing to write '${file}': it is one of the inputs`);
    if (this.#claimed.has(full))
      throw new Error(`two outputs would be written to '${file}' (inputs with the same name?)`);
    if (fs.existsSync(full)) {
      if (!this.#force) throw new Error(`'${file}' already exists; pass --force to overwrite it`);
      this.#checkOwn(file, name);
    }
    this.#claimed.add(full);
    return file;
  }

  /** Writes bytes to a path claimed before, and records it as this tool's. */
  write(file: string, bytes: Uint8Array): void {
    fs.mkdirSync(this.#dir, { recursive: true });
    const record = this.#loadRecord();
    if (!this.#compacted) {
      this.#compacted = true;
      this.#rewriteRecord(record);
    }
    const temporary = `${file}.partial-${process.pid}`;
    fs.writeFileSync(temporary, bytes);
    // Recorded before the rename: a run stopped in between leaves a file whose content does not
    // match its line, which --force then refuses, rather than an output it would not recognise.
    const name = path.basename(file);
    const sha256 = digest(bytes);
    record.set(name, sha256);
    fs.appendFileSync(this.#recordPath(), `${JSON.stringify({ file: name, sha256 })}\n`);
    fs.renameSync(temporary, file);
  }

  /** Throws unless the existing `file` is one this tool wrote, unchanged since. */
  #checkOwn(file: string, name: string): void {
    const recorded = this.#loadRecord().get(name);
    const reason =
      recorded === undefined
        ? `visualbackprop did not write it (it is not listed in ${path.join(this.#dir, OUTPUT_RECORD)})`
        : !fs.statSync(file).isFile() || digest(fs.readFileSync(file)) !== recorded
          ? "it was changed since visualbackprop wrote it"
          : undefined;
    if (reason !== undefined) {
      throw new Error(
        `refusing to overwrite '${file}': ${reason}; --force replaces only this tool's own outputs. ` +
          `Choose another --out, or move or remove it yourself`,
      );
    }
  }

  #recordPath(): string {
    return path.join(this.#dir, OUTPUT_RECORD);
  }

  #loadRecord(): Map<string, string> {
    if (this.#record !== undefined) return this.#record;
    const record = new Map<string, string>();
    const file = this.#recordPath();
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    for (const line of text.split("\n")) {
      // A damaged line lists nothing: its file is then refused, never overwritten by mistake.
      const entry = parseLine(line);
      if (entry !== undefined) record.set(entry.file, entry.sha256);
    }
    this.#record = record;
    return record;
  }

  /**
   * One line per file that is still there and not about to be written again, so runs with --force
   * do not grow the record.
   */
  #rewriteRecord(record: Map<string, string>): void {
    const claimed = new Set([...this.#claimed].map((file) => path.basename(file)));
    for (const name of [...record.keys()])
      if (claimed.has(name) || !fs.existsSync(path.join(this.#dir, name))) record.delete(name);
    const temporary = `${this.#recordPath()}.partial-${process.pid}`;
    const lines = [...record].map(([file, sha256]) => `${JSON.stringify({ file, sha256 })}\n`);
    fs.writeFileSync(temporary, lines.join(""));
    fs.renameSync(temporary, this.#recordPath());
  }
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function parseLine(line: string): { file: string; sha256: string } | undefined {
  if (line.trim() === "") return undefined;
  try {
    const entry: unknown = JSON.parse(line);
    if (typeof entry !== "object" || entry === null) return undefined;
    const { file, sha256 } = entry as Record<string, unknown>;
    return typeof file === "string" && typeof sha256 === "string" ? { file, sha256 } : undefined;
  } catch {
    return undefined;
  }
}

/** Absolute path with symbolic links of existing parents resolved, so two spellings compare equal. */
export function canonical(file: string): string {
  const absolute = path.resolve(file);
  try {
    return fs.realpathSync(absolute);
  } catch {
    const parent = path.dirname(absolute);
    if (parent === absolute) return absolute;
    return path.join(canonical(parent), path.basename(absolute));
  }
}
