/** MCAP magic bytes and record opcodes (https://mcap.dev/spec). */

/** `\x89MCAP0\r\n`: starts and ends every MCAP file (major version 0). */
export const MCAP_MAGIC = new Uint8Array([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);

export enum Opcode {
  Header = 0x01,
  Footer = 0x02,
  Schema = 0x03,
  Channel = 0x04,
  Message = 0x05,
  Chunk = 0x06,
  MessageIndex = 0x07,
  ChunkIndex = 0x08,
  Attachment = 0x09,
  AttachmentIndex = 0x0a,
  Statistics = 0x0b,
  Metadata = 0x0c,
  MetadataIndex = 0x0d,
  SummaryOffset = 0x0e,
  DataEnd = 0x0f,
}

/** Opcode byte plus uint64 record length. */
export const RECORD_PREFIX = 9;

/** Size of a whole footer record: prefix + summary_start + summary_offset_start + summary_crc. */
export const FOOTER_RECORD_SIZE = RECORD_PREFIX + 8 + 8 + 4;

/** True when the bytes start with the MCAP magic. */
export function hasMcapMagic(bytes: Uint8Array): boolean {
  if (bytes.byteLength < MCAP_MAGIC.byteLength) return false;
  return MCAP_MAGIC.every((b, i) => bytes[i] === b);
}
