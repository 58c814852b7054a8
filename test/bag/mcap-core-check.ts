/**
 * Reads an MCAP file with `@mcap/core`'s own readers, as other tools (Foxglove, the mcap CLI)
 * would: the indexed reader through the summary with every chunk's CRC checked, and the stream
 * reader through every record with chunk and data-section CRCs checked.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type * as Mcap from "@mcap/core" with { "resolution-mode": "import" };
import { decompressChunk, initCompression } from "../../src/bag/mcap-compression";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mcap = require("@mcap/core") as typeof Mcap;

const decompressHandlers = {
  zstd: (data: Uint8Array, size: bigint) => decompressChunk("zstd", data, Number(size)),
  lz4: (data: Uint8Array, size: bigint) => decompressChunk("lz4", data, Number(size)),
};

/** What `@mcap/core` reads from a file: messages per topic and the summary's statistics. */
export interface CoreReading {
  readonly topics: Map<string, number>;
  readonly messageCount: number;
  readonly statisticsCount: bigint | undefined;
}

/** Reads `file` with both of `@mcap/core`'s readers, CRCs checked; fails if they disagree. */
export async function readWithMcapCore(file: string): Promise<CoreReading> {
  await initCompression();
  const bytes = fs.readFileSync(file);
  const reader = await mcap.McapIndexedReader.Initialize({
    readable: {
      size: () => Promise.resolve(BigInt(bytes.byteLength)),
      read: (offset: bigint, length: bigint) =>
        Promise.resolve(bytes.subarray(Number(offset), Number(offset + length))),
    },
    decompressHandlers,
  });
  const topics = new Map<string, number>();
  let messageCount = 0;
  for await (const message of reader.readMessages({ validateCrcs: true })) {
    const topic = reader.channelsById.get(message.channelId)?.topic ?? "?";
    topics.set(topic, (topics.get(topic) ?? 0) + 1);
    messageCount++;
  }
  const stream = new mcap.McapStreamReader({ decompressHandlers, validateCrcs: true });
  stream.append(bytes);
  let streamed = 0;
  let sawFooter = false;
  for (let record; (record = stream.nextRecord());) {
    if (record.type === "Message") streamed++;
    if (record.type === "Footer") sawFooter = true;
  }
  assert.ok(stream.done(), `${file}: the stream reader did not reach the end magic`);
  assert.ok(sawFooter, `${file}: no footer`);
  assert.equal(streamed, messageCount, `${file}: indexed and stream readers disagree`);
  return { topics, messageCount, statisticsCount: reader.statistics?.messageCount };
}
