/**
 * Safety checks for an output bag directory: it must not exist (unless replacing an old output is
 * asked for), and it may never be, contain, or sit inside an input, so input data is never lost.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Resolves symlinks of the longest existing prefix, so two spellings of one place compare equal. */
function canonical(p: string): string {
  const abs = path.resolve(p);
  let existing = abs;
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  return path.join(fs.realpathSync(existing), ...rest);
}

function within(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Extensions of files a bag directory may hold (and the Foxglove layout `visualbackprop bag` puts
 * beside its bag); anything else means it is not an old output.
 */
const BAG_FILE = /(\.mcap|\.db3|\.yaml|\.zstd|\.db3-shm|\.db3-wal|\.db3-journal|^foxglove-layout\.json)$/;

/**
 * Checks `dir` can be created as an output and, with `force`, removes an existing bag directory
 * there. Throws naming the conflict otherwise.
 */
export async function prepareOutputDir(
  dir: string,
  options: { force?: boolean; inputs?: readonly string[] },
): Promise<string> {
  const out = canonical(dir);
  for (const input of options.inputs ?? []) {
    const inp = canonical(input);
    const inputIsDir = fs.existsSync(inp) && fs.statSync(inp).isDirectory();
    if (out === inp || (inputIsDir && within(out, inp))) {
      throw new Error(
        `output ${dir} is the input bag ${input} or inside it; choose another output directory`,
      );
    }
    if (within(inp, out))
      throw new Error(`output ${dir} contains the input bag ${input}; choose another output directory`);
  }
  if (fs.existsSync(out)) {
    if (!options.force) throw new Error(`output ${dir} already exists (pass force / --force to replace it)`);
    const stat = fs.statSync(out);
    if (!stat.isDirectory())
      throw new Error(`output ${dir} exists and is a file, not a bag directory; not replacing it`);
    const entries = fs.readdirSync(out);
    const foreign = entries.filter((e) => !BAG_FILE.test(e));
    if (foreign.length > 0) {
      throw new Error(
        `output ${dir} exists and does not look like a bag (it has ${foreign.slice(0, 3).join(", ")}); not replacing it`,
      );
    }
    await fs.promises.rm(out, { recursive: true });
  }
  await fs.promises.mkdir(path.dirname(out), { recursive: true });
  await fs.promises.mkdir(out);
  return out;
}
