/** Reads the messages (and any schemas and channels) out of one chunk record. */
import { crc32 } from "./crc32";
import { decompressChunk } from "./mcap-compression";
import { Opcode } from "./mcap-constants";
import type { ChunkRef } from "./mcap-index";
import { ByteCursor, iterateRecords, parseRecord } from "./mcap-parse";
import type { McapChannel, McapMessage, McapSchema } from "./mcap-types";
import type { RandomAccessFile } from "./random-access-file";

export interface ChunkContents {
  /** Messages in the order they are in the chunk, each with its offset inside the chunk. */
  readonly messages: { readonly message: McapMessage; readonly offset: number }[];
  readonly schemas: McapSchema[];
  readonly channels: McapChannel[];
  /** Set when the records end in the middle of a record (a cut-off chunk). */
  readonly incompleteAt?: number;
  /** Size of the uncompressed records. */
  readonly recordsLength: number;
}

/**
 * Reads and decompresses a chunk and parses its records. Throws (naming the offset) when the
 * chunk cannot be decompressed or its CRC does not match; a cut-off uncompressed chunk yields the
 * records that are complete.
 */
export async function readChunk(file: RandomAccessFile, ref: ChunkRef): Promise<ChunkContents> {
  return decodeChunk(await file.read(ref.offset, ref.length), ref);
}

/**
 * `readChunk` on a chunk record's bytes read before (`file.read(ref.offset, ref.length)`), so a
 * reader can read the next chunk while it hands out the messages of this one.
 */
export function decodeChunk(bytes: Uint8Array, ref: ChunkRef): ChunkContents {
  if (bytes.byteLength < ref.length) {
    throw new Error(
      `chunk at offset ${ref.offset}: expected ${ref.length} bytes, the file has ${bytes.byteLength}`,
    );
  }
  if (bytes[0] !== Opcode.Chunk) {
    throw new Error(
      `chunk at offset ${ref.offset}: expected a Chunk record (opcode 0x06), found 0x${bytes[0].toString(16)}`,
    );
  }
  let records: Uint8Array;
  if (ref.truncated) {
    const c = new ByteCursor(bytes.subarray(9), `chunk at offset ${ref.offset}`);
    c.uint64("message_start_time");
    c.uint64("message_end_time");
    c.uint64("uncompressed_size");
    c.uint32("uncompressed_crc");
    const compression = c.string("compression");
    if (compression !== "")
      throw new Error(
        `chunk at offset ${ref.offset}: cut off, and ${compression} data cannot be read in part`,
      );
    c.uint64("records_length");
    records = c.rest();
  } else {
    const parsed = parseRecord(Opcode.Chunk, bytes.subarray(9));
    if (parsed.kind !== "Chunk") throw new Error(`chunk at offset ${ref.offset}: not a chunk`);
    const chunk = parsed.value;
    try {
      records = decompressChunk(chunk.compression, chunk.records, Number(chunk.uncompressedSize));
    } catch (err) {
      throw new Error(`chunk at offset ${ref.offset}: ${(err as Error).message}`, { cause: err });
    }
    if (chunk.uncompressedCrc !== 0) {
      const actual = crc32(records);
      if (actual !== chunk.uncompressedCrc) {
        throw new Error(
          `chunk at offset ${ref.offset}: CRC mismatch, expected ${hex32(chunk.uncompressedCrc)}, computed ${hex32(actual)}`,
        );
      }
    }
  }
  return parseChunkRecords(records);
}

/** Parses the records of a decompressed chunk. */
export function parseChunkRecords(records: Uint8Array): ChunkContents {
  const messages: { message: McapMessage; offset: number }[] = [];
  const schemas: McapSchema[] = [];
  const channels: McapChannel[] = [];
  let incompleteAt: number | undefined;
  for (const raw of iterateRecords(records, (at) => (incompleteAt = at))) {
    if (raw.opcode === Opcode.Message) {
      const r = parseRecord(raw.opcode, raw.body);
      if (r.kind === "Message") messages.push({ message: r.value, offset: raw.offset });
    } else if (raw.opcode === Opcode.Schema || raw.opcode === Opcode.Channel) {
      const r = parseRecord(raw.opcode, raw.body);
      if (r.kind === "Schema") schemas.push(r.value);
      else if (r.kind === "Channel") channels.push(r.value);
    }
  }
  return {
    messages,
    schemas,
    channels,
    recordsLength: records.byteLength,
    ...(incompleteAt !== undefined ? { incompleteAt } : {}),
  };
}

export function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
