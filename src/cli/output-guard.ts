import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Decides where a command may write: never over one of its inputs, and never over an existing file
 * unless the user said --force. Files are written to a temporary name and renamed, so an
 * interrupted run leaves no half-written file under the final name.
 */
export class OutputGuard {
  readonly #inputs: Set<string>;
  readonly #force: boolean;
  readonly #claimed = new Set<string>();

  constructor(inputs: readonly string[], force: boolean) {
    this.#inputs = new Set(inputs.map(canonical));
    this.#force = force;
  }

  /** Checks one output path; throws with the reason when it may not be written. */
  claim(file: string): string {
    const full = canonical(file);
    if (this.#inputs.has(full)) throw new Error(`refusing to write '${file}': it is one of the inputs`);
    if (this.#claimed.has(full))
      throw new Error(`two outputs would be written to '${file}' (inputs with the same name?)`);
    if (!this.#force && fs.existsSync(full))
      throw new Error(`'${file}' already exists; pass --force to overwrite it`);
    this.#claimed.add(full);
    return file;
  }

  /** Writes bytes to a path claimed before. */
  write(file: string, bytes: Uint8Array): void {
    const temporary = `${file}.partial-${process.pid}`;
    fs.writeFileSync(temporary, bytes);
    fs.renameSync(temporary, file);
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
