/**
 * What a reader could not read. Readers keep going past damage (a truncated recording is still
 * worth processing), so they collect these instead of throwing, and callers report them.
 */

export type BagProblemKind =
  /** The file ends early (a recording that was killed, a copy that was cut short). */
  | "truncated"
  /** Bytes that do not parse, or a checksum that does not match. */
  | "corrupt"
  /** The MCAP summary is missing or unusable, so the file was scanned from the start. */
  | "no-summary"
  /** A message on a channel that was never declared, or a similar inconsistency. */
  | "inconsistent";

export interface BagProblem {
  /** The storage file the problem is in. */
  readonly file: string;
  readonly kind: BagProblemKind;
  /** Byte offset in the file where it was found, when there is one. */
  readonly offset?: number;
  /** Messages known to be lost; undefined when the count cannot be known. */
  readonly skippedMessages?: number;
  /** Bytes that could not be used. */
  readonly skippedBytes?: number;
  /** One line for a person. */
  readonly message: string;
}

/** Sums the messages known to be skipped. */
export function countSkipped(problems: readonly BagProblem[]): number {
  return problems.reduce((n, p) => n + (p.skippedMessages ?? 0), 0);
}

/** True when messages were lost (not just a missing summary), so a run on this bag is partial. */
export function isPartial(problems: readonly BagProblem[]): boolean {
  return problems.some((p) => p.kind !== "no-summary");
}
