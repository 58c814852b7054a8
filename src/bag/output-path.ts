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
 * The file this package puts in every bag directory it writes, before anything else. `--force`
 * replaces a directory only when it holds this file: a recording made by anything else (rosbag2,
 * a copy of one) is never removed, however bag-like it looks.
 */
export const OUTPUT_MARKER = ".visualbackprop-output";

/**
 * Extensions of files a bag directory may hold (and the Foxglove layout `visualbackprop bag` puts
 * beside its bag); anything else means it is not an old output.
 */
const BAG_FILE =
  /(\.mcap|\.db3|\.yaml|\.zstd|\.db3-shm|\.db3-wal|\.db3-journal|\.tmp|^foxglove-layout\.json)$/;

/**
 * The places an input occupies: the path itself and, for a storage file inside a rosbag2 bag
 * directory (one with a metadata.yaml), that directory, so `FILE.mcap -o <its folder>/sub` is
 * refused as the directory form is.
 */
function inputPlaces(input: string): { path: string; isDir: boolean }[] {
  const inp = canonical(input);
  const isDir = fs.existsSync(inp) && fs.statSync(inp).isDirectory();
  const places = [{ path: inp, isDir }];
  const folder = path.dirname(inp);
  if (!isDir && fs.existsSync(path.join(folder, "metadata.yaml"))) places.push({ path: folder, isDir: true });
  return places;
}

/**
 * Checks, without changing anything, that `dir` may become an output bag directory: it is not,
 * does not contain and does not lie inside an input, and it is new, or (with `force`) an earlier
 * output of this package. Throws naming the conflict and what to do.
 */
export function checkOutputDir(
  dir: string,
  options: { force?: boolean; inputs?: readonly string[] },
): string {
  const out = canonical(dir);
  for (const input of options.inputs ?? []) {
    for (const place of inputPlaces(input)) {
      if (out === place.path || (place.isDir && within(out, place.path))) {
        throw new Error(
          `output ${dir} is the input bag ${place.path === canonical(input) ? input : place.path} or inside it; choose another output directory`,
        );
      }
    }
    if (within(canonical(input), out))
      throw new Error(`output ${dir} contains the input bag ${input}; choose another output directory`);
  }
  if (!fs.existsSync(out)) return out;
  if (!options.force) throw new Error(`output ${dir} already exists (pass --force to replace it)`);
  const stat = fs.statSync(out);
  if (!stat.isDirectory())
    throw new Error(`output ${dir} exists and is a file, not a bag directory; not replacing it`);
  const entries = fs.readdirSync(out);
  if (entries.length === 0) return out;
  const foreign = entries.filter((e) => e !== OUTPUT_MARKER && !BAG_FILE.test(e));
  if (foreign.length > 0) {
    throw new Error(
      `output ${dir} exists and does not look like a bag (it has ${foreign.slice(0, 3).join(", ")}); not replacing it`,
    );
  }
  if (!entries.includes(OUTPUT_MARKER)) {
    throw new Error(
      `output ${dir} is a recording this tool did not write (no ${OUTPUT_MARKER} in it); --force replaces only ` +
        `earlier outputs of visualbackprop. Choose another output directory, or remove ${dir} yourself`,
    );
  }
  return out;
}

/**
 * Checks `dir` as checkOutputDir does, removes an earlier output there when `force` allows it,
 * and creates the directory with its marker file.
 */
export async function prepareOutputDir(
  dir: string,
  options: { force?: boolean; inputs?: readonly string[] },
): Promise<string> {
  const out = checkOutputDir(dir, options);
  if (fs.existsSync(out)) await fs.promises.rm(out, { recursive: true });
  await fs.promises.mkdir(path.dirname(out), { recursive: true });
  await fs.promises.mkdir(out);
  await fs.promises.writeFile(
    path.join(out, OUTPUT_MARKER),
    "Written by visualbackprop; `visualbackprop bag --force` may replace this directory.\n",
  );
  return out;
}
