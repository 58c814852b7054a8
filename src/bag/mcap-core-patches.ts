/**
 * Two speed fixes to `@mcap/core` 2.x's writer, which the bag tool writes megabytes per frame
 * through; without them its write stage is slower than the hand-written writer this replaced.
 * Neither changes a byte of the file. Each is applied only while a probe shows the library still
 * behaves as described, and only to the module files `@mcap/core` itself loads. Recheck on any
 * `@mcap/core` or `@foxglove/crc` upgrade (and report them upstream).
 *
 * 1. Checksums: the library uses `@foxglove/crc`, a table implementation several times slower than Node's
 *    native `zlib.crc32`, for every chunk and the whole data section. It calls the functions
 *    through the module's exports object, so those point at the project's `crc32.ts` (same values).
 * 2. Copies: `BufferBuilder#buffer` returns a fresh copy of everything written, and the writer reads
 *    it three times per chunk (CRC, compress, write) and twice per other record; every use is done
 *    before the builder is reset, so a view serves the same.
 */
import * as path from "node:path";
import * as zlib from "node:zlib";
import { CRC32_INIT, crc32, crc32Final, crc32Update } from "./crc32";

interface CrcModule {
  crc32Init: () => number;
  crc32Update: (state: number, data: ArrayBufferView) => number;
  crc32Final: (state: number) => number;
  crc32: (data: ArrayBufferView) => number;
}

interface BufferBuilderLike {
  readonly length: number;
  readonly buffer: Uint8Array;
  uint8(value: number): unknown;
  bufferView(byteOffset: number, byteLength: number): Uint8Array;
}

const mcapDir = path.dirname(require.resolve("@mcap/core"));

/** A module as `@mcap/core` loads it (by absolute path: its package exports hide internals). */
function load<T>(request: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the library's own instance, see above
  return require(require.resolve(request, { paths: [mcapDir] })) as T;
}

const asBytes = (data: ArrayBufferView): Uint8Array =>
  data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

function nativeCrc(): void {
  if (typeof (zlib as { crc32?: unknown }).crc32 !== "function") return;
  const crc = load<CrcModule>("@foxglove/crc");
  const probe = new TextEncoder().encode("123456789");
  // Same contract (running state, final complement) and the same check value, or no patch.
  if (crc.crc32(probe) !== 0xcbf43926 || crc32(probe) !== 0xcbf43926 || crc.crc32Init() >>> 0 !== CRC32_INIT)
    return;
  crc.crc32Update = (state, data) => crc32Update(state, asBytes(data));
  crc.crc32Final = crc32Final;
  crc.crc32 = (data) => crc32(asBytes(data));
}

function viewNotCopy(): void {
  const { BufferBuilder } = load<{ BufferBuilder?: new () => BufferBuilderLike }>(
    path.join(mcapDir, "BufferBuilder.js"),
  );
  if (BufferBuilder === undefined) return;
  const probe = new BufferBuilder();
  probe.uint8(7);
  if (probe.buffer.buffer === probe.bufferView(0, 1).buffer) return; // already a view
  Object.defineProperty(BufferBuilder.prototype, "buffer", {
    configurable: true,
    get(this: BufferBuilderLike): Uint8Array {
      return this.bufferView(0, this.length);
    },
  });
}

nativeCrc();
viewNotCopy();
