/** MCAP record contents as plain objects. Times and file offsets are bigint (uint64 in the file). */

export interface McapHeader {
  readonly profile: string;
  readonly library: string;
}

export interface McapFooter {
  readonly summaryStart: bigint;
  readonly summaryOffsetStart: bigint;
  readonly summaryCrc: number;
}

export interface McapSchema {
  readonly id: number;
  readonly name: string;
  readonly encoding: string;
  readonly data: Uint8Array;
}

export interface McapChannel {
  readonly id: number;
  readonly schemaId: number;
  readonly topic: string;
  readonly messageEncoding: string;
  readonly metadata: ReadonlyMap<string, string>;
}

export interface McapMessage {
  readonly channelId: number;
  readonly sequence: number;
  readonly logTime: bigint;
  readonly publishTime: bigint;
  readonly data: Uint8Array;
}

export interface McapChunk {
  readonly messageStartTime: bigint;
  readonly messageEndTime: bigint;
  readonly uncompressedSize: bigint;
  readonly uncompressedCrc: number;
  readonly compression: string;
  readonly records: Uint8Array;
}

export interface McapMessageIndex {
  readonly channelId: number;
  /** (log time, offset of the message record inside the uncompressed chunk). */
  readonly records: readonly (readonly [bigint, bigint])[];
}

export interface McapChunkIndex {
  readonly messageStartTime: bigint;
  readonly messageEndTime: bigint;
  readonly chunkStartOffset: bigint;
  readonly chunkLength: bigint;
  readonly messageIndexOffsets: ReadonlyMap<number, bigint>;
  readonly messageIndexLength: bigint;
  readonly compression: string;
  readonly compressedSize: bigint;
  readonly uncompressedSize: bigint;
}

export interface McapStatistics {
  readonly messageCount: bigint;
  readonly schemaCount: number;
  readonly channelCount: number;
  readonly attachmentCount: number;
  readonly metadataCount: number;
  readonly chunkCount: number;
  readonly messageStartTime: bigint;
  readonly messageEndTime: bigint;
  readonly channelMessageCounts: ReadonlyMap<number, bigint>;
}

export interface McapMetadata {
  readonly name: string;
  readonly metadata: ReadonlyMap<string, string>;
}

export interface McapMetadataIndex {
  readonly offset: bigint;
  readonly length: bigint;
  readonly name: string;
}

export interface McapSummaryOffset {
  readonly groupOpcode: number;
  readonly groupStart: bigint;
  readonly groupLength: bigint;
}

export interface McapDataEnd {
  readonly dataSectionCrc: number;
}

/** A parsed record, tagged by kind. Attachments are only skipped, so they carry no fields. */
export type McapRecord =
  | { readonly kind: "Header"; readonly value: McapHeader }
  | { readonly kind: "Footer"; readonly value: McapFooter }
  | { readonly kind: "Schema"; readonly value: McapSchema }
  | { readonly kind: "Channel"; readonly value: McapChannel }
  | { readonly kind: "Message"; readonly value: McapMessage }
  | { readonly kind: "Chunk"; readonly value: McapChunk }
  | { readonly kind: "MessageIndex"; readonly value: McapMessageIndex }
  | { readonly kind: "ChunkIndex"; readonly value: McapChunkIndex }
  | { readonly kind: "Statistics"; readonly value: McapStatistics }
  | { readonly kind: "Metadata"; readonly value: McapMetadata }
  | { readonly kind: "MetadataIndex"; readonly value: McapMetadataIndex }
  | { readonly kind: "SummaryOffset"; readonly value: McapSummaryOffset }
  | { readonly kind: "DataEnd"; readonly value: McapDataEnd }
  | { readonly kind: "Other"; readonly opcode: number };
