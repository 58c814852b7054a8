/**
 * What a synthetic drive bag says it is: an MCAP Metadata record with the drive's seed, frame size,
 * rate and first stamp, so a tool reading the bag later can render the same drive's ground truth
 * (lane markings, distractors) for any frame it processes. Only MCAP bags carry it.
 */
import type { BagMetadataRecord } from "../bag/rosbag2-types";

/** The Metadata record's name. */
export const SYNTHETIC_DRIVE_RECORD = "visualbackprop.synthetic_drive";

/** The drive a bag was rendered from: enough to render it again. */
export interface SyntheticDriveRecord {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly rateHz: number;
  /** Header stamp of frame 0, ns; frame i is stamped start + round(i * 1e9 / rateHz). */
  readonly startTimeNs: bigint;
  readonly frames: number;
  /** The camera topic the frames are on. */
  readonly topic: string;
}

/** The record as the string map MCAP stores. */
export function syntheticDriveMetadata(record: SyntheticDriveRecord): Record<string, string> {
  return {
    seed: String(record.seed),
    width: String(record.width),
    height: String(record.height),
    rate_hz: String(record.rateHz),
    start_time_ns: String(record.startTimeNs),
    frames: String(record.frames),
    topic: record.topic,
  };
}

/**
 * The synthetic drive record among a bag's metadata records, or undefined when it has none.
 * Throws naming the field when the record is there but a value is not what was written.
 */
export function findSyntheticDriveRecord(
  records: readonly BagMetadataRecord[],
): SyntheticDriveRecord | undefined {
  const found = records.find((r) => r.name === SYNTHETIC_DRIVE_RECORD);
  if (found === undefined) return undefined;
  const field = (key: string): string => {
    const value = found.metadata.get(key);
    if (value === undefined || value === "") throw new Error(`${SYNTHETIC_DRIVE_RECORD} record: no ${key}`);
    return value;
  };
  const number = (key: string, ok: (n: number) => boolean, expected: string): number => {
    const n = Number(field(key));
    if (!Number.isFinite(n) || !ok(n))
      throw new Error(`${SYNTHETIC_DRIVE_RECORD} record: ${key} is "${field(key)}", expected ${expected}`);
    return n;
  };
  const positiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0;
  const start = field("start_time_ns");
  if (!/^\d+$/.test(start))
    throw new Error(
      `${SYNTHETIC_DRIVE_RECORD} record: start_time_ns is "${start}", expected nanoseconds (digits)`,
    );
  return {
    seed: number("seed", Number.isInteger, "an integer"),
    width: number("width", positiveInteger, "a positive integer"),
    height: number("height", positiveInteger, "a positive integer"),
    rateHz: number("rate_hz", (n) => n > 0, "a positive rate"),
    startTimeNs: BigInt(start),
    frames: number("frames", (n) => Number.isInteger(n) && n >= 0, "a frame count"),
    topic: field("topic"),
  };
}

/**
 * The drive frame a header stamp belongs to, or undefined when the stamp is not one the drive
 * wrote (off its grid by more than a quarter period, or outside its frames).
 */
export function driveFrameIndex(record: SyntheticDriveRecord, stampNs: bigint): number | undefined {
  const periodNs = 1e9 / record.rateHz;
  const offset = Number(stampNs - record.startTimeNs);
  const index = Math.round(offset / periodNs);
  if (index < 0 || index >= record.frames) return undefined;
  return Math.abs(offset - index * periodNs) <= periodNs / 4 ? index : undefined;
}
