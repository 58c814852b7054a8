/**
 * The faster chunk compressors the bag writer uses when they load: LZ4 frames by `lz4-napi`
 * (native, its binary in a per-platform npm package, linux-x64 and linux-arm64 among them) and
 * zstd by `@foxglove/wasm-zstd` (WebAssembly, from the makers of MCAP). On camera-sized chunks
 * both are much faster than lz4js and @bokuweb/zstd-wasm (the bag bench shows the compress
 * stage), which stay as the fallback and for reading. Either writes standard frames that every
 * reader decodes; the compressed bytes differ from the fallback's, never the data.
 *
 * A codec that does not load is skipped with one line on stderr (per thread), naming it and why.
 */
import { errorText } from "../error-text";

/** Compresses a chunk's records into one frame. */
export type ChunkCompressor = (data: Uint8Array, level: number) => Uint8Array;

interface Lz4Napi {
  compressFrameSync(data: Buffer): Buffer;
}

interface FoxgloveZstd {
  readonly isLoaded: Promise<unknown>;
  compress(data: Uint8Array, level?: number): Uint8Array;
}

const loading = new Map<"lz4" | "zstd", Promise<ChunkCompressor | undefined>>();

/**
 * The fast compressor for `kind`, loaded once per thread; undefined (said once) when it does not
 * load.
 */
export function loadFastCompressor(
  kind: "lz4" | "zstd",
  warn: (line: string) => void = (line) => console.warn(line),
): Promise<ChunkCompressor | undefined> {
  let compressor = loading.get(kind);
  if (compressor === undefined) {
    compressor = kind === "lz4" ? loadLz4(warn) : loadZstd(warn);
    loading.set(kind, compressor);
  }
  return compressor;
}

async function loadLz4(warn: (line: string) => void): Promise<ChunkCompressor | undefined> {
  const lz4 = optional<Lz4Napi>("lz4-napi", "lz4js", warn);
  return lz4 && ((data) => lz4.compressFrameSync(asBuffer(data)));
}

async function loadZstd(warn: (line: string) => void): Promise<ChunkCompressor | undefined> {
  const zstd = optional<FoxgloveZstd>("@foxglove/wasm-zstd", "@bokuweb/zstd-wasm", warn);
  if (zstd === undefined) return undefined;
  try {
    await zstd.isLoaded;
  } catch (error) {
    warn(fallbackLine("@foxglove/wasm-zstd", "@bokuweb/zstd-wasm", error));
    return undefined;
  }
  return (data, level) => zstd.compress(data, level);
}

/** `require(name)`, or undefined with one line to `warn` naming it, why, and `fallback`. */
export function optional<T>(name: string, fallback: string, warn: (line: string) => void): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional at run time, see above
    return require(name) as T;
  } catch (error) {
    warn(fallbackLine(name, fallback, error));
    return undefined;
  }
}

function fallbackLine(name: string, fallback: string, error: unknown): string {
  const reason = errorText(error).split("\n")[0];
  return `visualbackprop: ${name} did not load (${reason}); compressing with ${fallback}, which is slower`;
}

/** napi-rs takes a Buffer; this one shares the bytes. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
