import * as assert from "node:assert/strict";
import { loadFastCompressor, optional } from "../../src/bag/fast-codecs";
import { decompressChunk, initCompression } from "../../src/bag/mcap-compression";

/** Chunk-like bytes: runs (compressible) and noise (not), 3 MB like a chunk of camera images. */
function chunkBytes(): Uint8Array {
  const bytes = new Uint8Array(3 * 1024 * 1024 + 17);
  let seed = 12345;
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[i] = i % 4096 < 2048 ? (i >> 6) & 255 : seed >>> 24;
  }
  return bytes;
}

describe("fast chunk compressors", () => {
  before(() => initCompression());

  for (const kind of ["lz4", "zstd"] as const) {
    it(`${kind}: what the fast compressor writes, the reader's decompressor gives back byte for byte`, async () => {
      const lines: string[] = [];
      const compress = await loadFastCompressor(kind, (line) => lines.push(line));
      // Both are dependencies: a failed load here is a broken install, not a fallback to accept.
      assert.ok(compress !== undefined, `the fast ${kind} compressor did not load: ${lines.join("; ")}`);
      const data = chunkBytes();
      const packed = compress(data, 1);
      assert.ok(packed.byteLength < data.byteLength, `${kind} did not compress`);
      assert.deepEqual(decompressChunk(kind, packed, data.byteLength), data);
    });
  }

  it("a compressor that does not load is named, with the reason and the fallback, once", () => {
    const lines: string[] = [];
    const loaded = optional("visualbackprop-no-such-codec", "lz4js", (line) => lines.push(line));
    assert.equal(loaded, undefined);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /visualbackprop-no-such-codec did not load \(Cannot find module .*\); compressing with lz4js/,
    );
  });
});
