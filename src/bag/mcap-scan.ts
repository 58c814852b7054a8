/**
 * Builds an MCAP index by reading the file from the start, record by record. Used when the summary
 * is missing (a recording that was killed) or damaged. Every complete chunk is kept; a cut-off
 * uncompressed chunk keeps its complete messages; what cannot be read is reported, not thrown.
 */
import { Opcode, RECORD_PREFIX } from "./mcap-constants";
import { parseChunkRecords, readChunk } from "./mcap-chunk";
import { type ChunkRef, CountAccumulator, type LooseMessageRef, type McapIndex } from "./mcap-index";
import { ByteCursor, parseRecord } from "./mcap-parse";
import type { McapChannel, McapHeader, McapMetadata, McapSchema } from "./mcap-types";
import type { BagProblem } from "./problems";
import type { RandomAccessFile } from "./random-access-file";

/** Scans from just after the header; `why` says why the summary was not used. */
export async function scanMcap(
  file: RandomAccessFile,
  header: McapHeader,
  firstRecord: number,
  why: string,
): Promise<McapIndex> {
  const problems: BagProblem[] = [
    { file: file.path, kind: "no-summary", message: `MCAP summary not used: ${why}; scanned the file` },
  ];
  const schemas = new Map<number, McapSchema>();
  const channels = new Map<number, McapChannel>();
  const chunks: ChunkRef[] = [];
  const loose: LooseMessageRef[] = [];
  const metadata: McapMetadata[] = [];
  const acc = new CountAccumulator();
  const addSchema = (s: McapSchema): void => void (schemas.has(s.id) || schemas.set(s.id, s));
  const addChannel = (c: McapChannel): void => void (channels.has(c.id) || channels.set(c.id, c));

  let at = firstRecord;
  scan: while (at < file.size) {
    const prefix = await file.read(at, RECORD_PREFIX);
    if (prefix.byteLength < RECORD_PREFIX) {
      problems.push({
        file: file.path,
        kind: "truncated",
        offset: at,
        skippedBytes: file.size - at,
        message: `file ends inside a record header at offset ${at}`,
      });
      break;
    }
    const opcode = prefix[0];
    const length = new DataView(prefix.buffer, prefix.byteOffset, 9).getBigUint64(1, true);
    const available = file.size - at - RECORD_PREFIX;
    if (opcode === 0 || (opcode > Opcode.DataEnd && opcode < 0x80)) {
      problems.push({
        file: file.path,
        kind: "corrupt",
        offset: at,
        skippedBytes: file.size - at,
        message: `unknown record opcode 0x${opcode.toString(16)} at offset ${at}; the rest of the file was skipped`,
      });
      break;
    }
    if (length > BigInt(available)) {
      await handleCutOff(opcode, at, available);
      break;
    }
    const total = RECORD_PREFIX + Number(length);
    switch (opcode) {
      case Opcode.Schema:
      case Opcode.Channel:
      case Opcode.Metadata: {
        const r = parseRecord(opcode, await file.read(at + RECORD_PREFIX, Number(length)));
        if (r.kind === "Schema") addSchema(r.value);
        else if (r.kind === "Channel") addChannel(r.value);
        else if (r.kind === "Metadata") metadata.push(r.value);
        break;
      }
      case Opcode.Message: {
        const head = await file.read(at + RECORD_PREFIX, 14);
        const c = new ByteCursor(head, `Message record at offset ${at}`);
        const channelId = c.uint16("channel_id");
        c.uint32("sequence");
        const logTime = c.uint64("log_time");
        loose.push({ offset: at, length: total, channelId, logTime });
        acc.add(channelId, logTime);
        break;
      }
      case Opcode.Chunk:
        await addChunk(at, total);
        break;
      case Opcode.DataEnd:
      case Opcode.Footer:
        break scan;
      default:
        break;
    }
    at += total;
  }

  async function addChunk(offset: number, length: number): Promise<void> {
    const head = parseChunkHead(await file.read(offset, Math.min(length, 64)), offset);
    const ref: ChunkRef = {
      offset,
      length,
      messageStartTime: head.start,
      messageEndTime: head.end,
      truncated: false,
    };
    try {
      const contents = await readChunk(file, ref);
      contents.schemas.forEach(addSchema);
      contents.channels.forEach(addChannel);
      const ids = new Set<number>();
      for (const { message } of contents.messages) {
        ids.add(message.channelId);
        acc.add(message.channelId, message.logTime);
      }
      chunks.push({ ...ref, channelIds: ids, messageCount: contents.messages.length });
    } catch (err) {
      problems.push({
        file: file.path,
        kind: "corrupt",
        offset,
        skippedBytes: length,
        message: `${(err as Error).message}; its messages were skipped`,
      });
    }
  }

  async function handleCutOff(opcode: number, offset: number, available: number): Promise<void> {
    const lost = file.size - offset;
    if (opcode === Opcode.Chunk && available >= 40) {
      const bytes = await file.read(offset, lost);
      const head = parseChunkHead(bytes, offset);
      if (head.compression === "" && bytes.byteLength > head.recordsAt) {
        const contents = parseChunkRecords(bytes.subarray(head.recordsAt));
        contents.schemas.forEach(addSchema);
        contents.channels.forEach(addChannel);
        const ids = new Set<number>();
        for (const { message } of contents.messages) {
          ids.add(message.channelId);
          acc.add(message.channelId, message.logTime);
        }
        if (contents.messages.length > 0) {
          chunks.push({
            offset,
            length: lost,
            messageStartTime: head.start,
            messageEndTime: head.end,
            channelIds: ids,
            messageCount: contents.messages.length,
            truncated: true,
          });
        }
        problems.push({
          file: file.path,
          kind: "truncated",
          offset,
          skippedBytes: lost - head.recordsAt - (contents.incompleteAt ?? contents.recordsLength),
          message: `file ends inside a chunk at offset ${offset}: ${contents.messages.length} complete messages read from it, the rest of the chunk is missing`,
        });
        return;
      }
      problems.push({
        file: file.path,
        kind: "truncated",
        offset,
        skippedBytes: lost,
        message: `file ends inside a ${head.compression || "uncompressed"} chunk at offset ${offset} (${lost} of ${head.declared} bytes present); its messages were skipped`,
      });
      return;
    }
    problems.push({
      file: file.path,
      kind: "truncated",
      offset,
      skippedBytes: lost,
      message:
        `file ends inside a ${Opcode[opcode] ?? "record"} record at offset ${offset}` +
        (opcode === Opcode.Message ? "; 1 message skipped" : ""),
      ...(opcode === Opcode.Message ? { skippedMessages: 1 } : {}),
    });
  }

  for (const [channelId, n] of acc.channelMessageCounts) {
    if (!channels.has(channelId)) {
      problems.push({
        file: file.path,
        kind: "inconsistent",
        skippedMessages: n,
        message: `${n} messages on channel ${channelId}, which is never declared, were skipped`,
      });
    }
  }
  return {
    header,
    schemas,
    channels,
    chunks,
    loose,
    counts: acc.result(),
    metadata,
    fromSummary: false,
    problems,
  };
}

/** The fixed part of a chunk record, from its first bytes. */
function parseChunkHead(
  bytes: Uint8Array,
  offset: number,
): { start: bigint; end: bigint; compression: string; recordsAt: number; declared: bigint } {
  const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(1, true);
  const c = new ByteCursor(bytes.subarray(RECORD_PREFIX), `chunk at offset ${offset}`);
  const start = c.uint64("message_start_time");
  const end = c.uint64("message_end_time");
  c.uint64("uncompressed_size");
  c.uint32("uncompressed_crc");
  const compression = c.string("compression");
  c.uint64("records_length");
  return {
    start,
    end,
    compression,
    recordsAt: RECORD_PREFIX + c.offset,
    declared: declared + BigInt(RECORD_PREFIX),
  };
}
