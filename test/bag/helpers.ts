/** Shared test helpers: fixture locations, the fixture pixel formula, temporary directories. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixturePath } from "../support/paths";

/** The bags a real Humble rosbag2 recorded, committed in test/fixtures/rosbag2 (read them, never write). */
export const FIXTURES = fixturePath("rosbag2");
export const FIXTURE_BAGS = ["humble_mcap", "humble_mcap_zstd", "humble_sqlite3"] as const;
export const IMAGE_TOPIC = "/cameras/front/image_raw";
export const STEERING_TOPIC = "/vehicle/steering";

/** Pixel data of fixture frame i (64x48 rgb8): R = (4x + 8i) mod 256, G = 5y mod 256, B = 128. */
export function fixturePixels(i: number, width = 64, height = 48): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      out[p] = (4 * x + 8 * i) % 256;
      out[p + 1] = (5 * y) % 256;
      out[p + 2] = 128;
    }
  }
  return out;
}

/** A fresh temporary directory, removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-bag-test-"));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "hex"));
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Every file under a directory with its bytes' sha-free fingerprint (size + mtime), to prove nothing was modified. */
export function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d).sort()) {
      const p = path.join(d, e);
      const s = fs.statSync(p);
      if (s.isDirectory()) walk(p);
      else
        lines.push(`${p} ${s.size} ${s.mtimeMs} ${fs.readFileSync(p).subarray(0, 4096).toString("base64")}`);
    }
  };
  walk(dir);
  return lines.join("\n");
}
