/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the checksum MCAP uses for chunks, the
 * data section and the summary. Slicing-by-4 keeps it fast enough for image-sized chunks.
 */
import * as zlib from "node:zlib";

const TABLES: Uint32Array[] = (() => {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  tables.push(t0);
  for (let t = 1; t < 4; t++) {
    const prev = tables[t - 1];
    const next = new Uint32Array(256);
    for (let n = 0; n < 256; n++) next[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    tables.push(next);
  }
  return tables;
})();

/** Starting state; feed it to `crc32Update` and finish with `crc32Final`. */
export const CRC32_INIT = 0xffffffff;

/** Node's native CRC-32 (zlib, Node >= 20.15), many times faster than the tables on image-sized chunks. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** Adds bytes to a running CRC state, so large files can be checksummed while streaming. */
export function crc32Update(state: number, data: Uint8Array): number {
  // zlib continues from a finished CRC value; the running state is its complement.
  if (nativeCrc32 !== undefined) return (nativeCrc32(data, (state ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
  const [t0, t1, t2, t3] = TABLES;
  let crc = state >>> 0;
  let i = 0;
  const end4 = data.length - (data.length % 4);
  for (; i < end4; i += 4) {
    crc ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    crc = t3[crc & 0xff] ^ t2[(crc >>> 8) & 0xff] ^ t1[(crc >>> 16) & 0xff] ^ t0[crc >>> 24];
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return crc >>> 0;
}

/** Turns a running state into the CRC value stored in files. */
export function crc32Final(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

/** CRC-32 of one buffer. */
export function crc32(data: Uint8Array): number {
  return crc32Final(crc32Update(CRC32_INIT, data));
}
