/**
 * Builds an MCAP index from the summary section: footer, then schemas, channels, statistics,
 * chunk indexes and metadata indexes. Returns undefined (with the reason) when the summary is
 * missing or unusable, so the caller can scan instead.
 */
import { crc32 } from "./crc32";
import { FOOTER_RECORD_SIZE, hasMcapMagic, MCAP_MAGIC, Opcode } from "./mcap-constants";
import { hex32 } from "./mcap-chunk";
import { type ChunkRef, CountAccumulator, type McapCounts, type McapIndex } from "./mcap-index";
import { iterateRecords, parseRecord } from "./mcap-parse";
import type {
  McapChannel,
  McapChunkIndex,
  McapHeader,
  McapMetadata,
  McapSchema,
  McapStatistics,
} from "./mcap-types";
import type { RandomAccessFile } from "./random-access-file";

export type SummaryResult = { readonly index: McapIndex } | { readonly reason: string };

export async function loadSummary(file: RandomAccessFile, header: McapHeader): Promise<SummaryResult> {
  const tailSize = FOOTER_RECORD_SIZE + MCAP_MAGIC.byteLength;
  if (file.size < MCAP_MAGIC.byteLength * 2 + tailSize)
    return { reason: "the file is too short to have a footer" };
  const footerAt = file.size - tailSize;
  const tail = await file.read(footerAt, tailSize);
  if (!hasMcapMagic(tail.subarray(FOOTER_RECORD_SIZE)))
    return { reason: "the closing magic bytes are missing (file cut off or not finalised)" };
  if (tail[0] !== Opcode.Footer) return { reason: "no footer record before the closing magic" };
  const footer = parseRecord(Opcode.Footer, tail.subarray(9, FOOTER_RECORD_SIZE));
  if (footer.kind !== "Footer") return { reason: "unreadable footer" };
  const { summaryStart, summaryCrc } = footer.value;
  if (summaryStart === 0n) return { reason: "the file has no summary section" };
  const start = Number(summaryStart);
  if (start < 8 || start > footerAt)
    return { reason: `the footer points to a summary at ${start}, outside the file` };
  const summary = await file.read(start, footerAt - start);
  if (summaryCrc !== 0) {
    // The CRC covers the summary and the footer up to and including summary_offset_start.
    const covered = new Uint8Array(summary.byteLength + 9 + 16);
    covered.set(summary);
    covered.set(tail.subarray(0, 25), summary.byteLength);
    const actual = crc32(covered);
    if (actual !== summaryCrc)
      return { reason: `summary CRC mismatch (footer says ${hex32(summaryCrc)}, computed ${hex32(actual)})` };
  }

  const schemas = new Map<number, McapSchema>();
  const channels = new Map<number, McapChannel>();
  const chunkIndexes: McapChunkIndex[] = [];
  const metadataOffsets: { offset: bigint; length: bigint }[] = [];
  let statistics: McapStatistics | undefined;
  let incomplete = false;
  for (const raw of iterateRecords(summary, () => (incomplete = true))) {
    const r = parseRecord(raw.opcode, raw.body);
    if (r.kind === "Schema") schemas.set(r.value.id, r.value);
    else if (r.kind === "Channel") channels.set(r.value.id, r.value);
    else if (r.kind === "ChunkIndex") chunkIndexes.push(r.value);
    else if (r.kind === "Statistics") statistics = r.value;
    else if (r.kind === "MetadataIndex") metadataOffsets.push(r.value);
  }
  if (incomplete) return { reason: "the summary section ends in the middle of a record" };
  for (const c of chunkIndexes) {
    if (c.chunkStartOffset + c.chunkLength > BigInt(file.size)) {
      return { reason: `a chunk index points past the end of the file (offset ${c.chunkStartOffset})` };
    }
  }
  if (statistics && statistics.messageCount > 0n && chunkIndexes.length === 0) {
    return { reason: "messages are not in chunks, so the summary cannot locate them" };
  }

  const chunks: ChunkRef[] = chunkIndexes.map((c) => ({
    offset: Number(c.chunkStartOffset),
    length: Number(c.chunkLength),
    messageStartTime: c.messageStartTime,
    messageEndTime: c.messageEndTime,
    channelIds: new Set(c.messageIndexOffsets.keys()),
    truncated: false,
  }));
  const counts = statistics
    ? countsFromStatistics(statistics)
    : await countsFromMessageIndexes(file, chunkIndexes);
  const metadata: McapMetadata[] = [];
  for (const m of metadataOffsets) {
    const bytes = await file.read(Number(m.offset), Number(m.length));
    const r = bytes[0] === Opcode.Metadata ? parseRecord(Opcode.Metadata, bytes.subarray(9)) : undefined;
    if (r?.kind === "Metadata") metadata.push(r.value);
  }
  return {
    index: {
      header,
      schemas,
      channels,
      chunks,
      loose: [],
      counts,
      metadata,
      fromSummary: true,
      problems: [],
    },
  };
}

function countsFromStatistics(s: McapStatistics): McapCounts {
  const channelMessageCounts = new Map<number, number>();
  for (const [id, n] of s.channelMessageCounts) channelMessageCounts.set(id, Number(n));
  return {
    messageCount: Number(s.messageCount),
    channelMessageCounts,
    ...(s.messageCount > 0n ? { startTime: s.messageStartTime, endTime: s.messageEndTime } : {}),
  };
}

/** Without a Statistics record, counts come from the message indexes after each chunk. */
async function countsFromMessageIndexes(
  file: RandomAccessFile,
  chunkIndexes: readonly McapChunkIndex[],
): Promise<McapCounts> {
  const acc = new CountAccumulator();
  for (const c of chunkIndexes) {
    if (c.messageIndexLength === 0n || c.messageIndexOffsets.size === 0) continue;
    const first = Number([...c.messageIndexOffsets.values()].reduce((a, b) => (a < b ? a : b)));
    const bytes = await file.read(first, Number(c.messageIndexLength));
    for (const raw of iterateRecords(bytes)) {
      const r = parseRecord(raw.opcode, raw.body);
      if (r.kind !== "MessageIndex") continue;
      for (const [t] of r.value.records) acc.add(r.value.channelId, t);
    }
  }
  return acc.result();
}
