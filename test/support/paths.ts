import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/**
 * A file or folder of the test data committed in `test/fixtures` (see its README for where each
 * set came from). Throws, rather than letting a test skip, when it is missing.
 */
export function fixturePath(...parts: string[]): string {
  const full = path.join(REPO_ROOT, "test", "fixtures", ...parts);
  if (!fs.existsSync(full)) throw new Error(`test data '${full}' is missing from the checkout`);
  return full;
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = "vbp-test-"): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
