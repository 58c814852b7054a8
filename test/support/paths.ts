import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The reference data folder that sits beside the checkout (`../shared`), or $VISUALBACKPROP_SHARED. */
export function sharedDir(...parts: string[]): string {
  const base = process.env.VISUALBACKPROP_SHARED ?? path.resolve(REPO_ROOT, "..", "shared");
  const full = path.join(base, ...parts);
  if (!fs.existsSync(full)) {
    throw new Error(`reference data '${full}' is missing: the tests expect ../shared beside the checkout`);
  }
  return full;
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = "vbp-test-"): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
