/**
 * Chunk compression for MCAP: zstd through @bokuweb/zstd-wasm (its WASM module must be
 * initialised once, asynchronously), lz4 frames through lz4js. A writer compresses with the faster
 * codecs of fast-codecs.ts where they load (`initCompressors`), with these where not.
 */
import * as zstd from "@bokuweb/zstd-wasm";
import * as lz4 from "lz4js";
import { type ChunkCompressor, loadFastCompressor } from "./fast-codecs";

/** Compression names as they appear in MCAP chunk records. */
export type ChunkCompression = "" | "zstd" | "lz4";

let zstdReady: Promise<void> | undefined;
let zstdLoaded = false;

/** Loads the zstd WASM module once; every caller awaits the same promise. */
export function initCompression(): Promise<void> {
  zstdReady ??= zstd.init().then(() => {
    zstdLoaded = true;
  });
  return zstdReady;
}

const fast: { lz4?: ChunkCompressor; zstd?: ChunkCompressor } = {};

/** `initCompression`, and loads the faster compressor of `compression` for `compressChunk` (fast-codecs.ts). */
export async function initCompressors(compression: ChunkCompression): Promise<void> {
  await initCompression();
  if (compression !== "") fast[compression] = await loadFastCompressor(compression);
}

/** Decompresses a chunk's records; checks the size the chunk declares. */
export function decompressChunk(compression: string, data: Uint8Array, uncompressedSize: number): Uint8Array {
  let out: Uint8Array;
  switch (compression) {
    case "":
      out = data;
      break;
    case "zstd":
      if (!zstdLoaded) throw new Error("zstd: call initCompression() before decompressing");
      out = decoding("zstd", () => zstd.decompress(data, { defaultHeapSize: Math.max(uncompressedSize, 1) }));
      break;
    case "lz4":
      out = decoding("lz4", () => lz4.decompress(data, uncompressedSize));
      break;
    default:
      throw new Error(`unsupported chunk compression "${compression}": expected "", "zstd" or "lz4"`);
  }
  if (out.byteLength !== uncompressedSize) {
    throw new Error(
      `${compression || "uncompressed"} chunk: expected ${uncompressedSize} bytes after decompression, got ${out.byteLength}`,
    );
  }
  return out;
}

/** Compresses a chunk's records (after `initCompression` for zstd; `initCompressors` for the fast codecs). */
export function compressChunk(compression: ChunkCompression, data: Uint8Array, zstdLevel = 3): Uint8Array {
  switch (compression) {
    case "":
      return data;
    case "zstd":
      if (fast.zstd !== undefined) return fast.zstd(data, zstdLevel);
      if (!zstdLoaded) throw new Error("zstd: call initCompression() before compressing");
      return zstd.compress(data, zstdLevel);
    case "lz4":
      return fast.lz4 !== undefined ? fast.lz4(data, 0) : lz4.compress(data);
    default:
      throw new Error(`unsupported chunk compression "${String(compression)}": expected "", "zstd" or "lz4"`);
  }
}

/** Decompresses one zstd frame of unknown size (rosbag2's per-message compression). */
export function decompressZstdFrame(data: Uint8Array): Uint8Array {
  if (!zstdLoaded) throw new Error("zstd: call initCompression() before decompressing");
  return decoding("zstd", () =>
    zstd.decompress(data, { defaultHeapSize: Math.max(data.byteLength * 16, 1 << 20) }),
  );
}

/**
 * Runs a decoder and rewords its failure: zstd-wasm reports every decoding error as "Failed to
 * compress", which points a person at the wrong thing. Damaged input is what it means here.
 */
function decoding(codec: string, decode: () => Uint8Array): Uint8Array {
  try {
    return decode();
  } catch (err) {
    const reason = (err as Error).message;
    const detail = /failed to compress/i.test(reason) ? "" : ` (${reason})`;
    throw new Error(`${codec} data does not decompress: the compressed bytes are damaged${detail}`, {
      cause: err,
    });
  }
}
