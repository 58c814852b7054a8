/**
 * The `IWritable` `@mcap/core`'s writer writes to: a file handle, appended at a known position.
 * Each `write` finishes before it resolves, because the library reuses the buffer it passed.
 *
 * The writer flushes the file to disk when it closes. Bags are hundreds of megabytes, and that
 * one flush at the end is a wait of its own after all the work; so every `SYNC_EVERY` bytes a flush
 * starts in the background, while writing goes on, and the last one has little left to do.
 */
import type * as fs from "node:fs";
import type { IWritable } from "./mcap-core";

/** Bytes written between background flushes. */
const SYNC_EVERY = 16 << 20;

export class FileWritable implements IWritable {
  readonly #fh: fs.promises.FileHandle;
  #position = 0;
  #unsynced = 0;
  /** The background flushes, one after the other. */
  #syncing: Promise<void> = Promise.resolve();
  #syncError: Error | undefined;

  constructor(fh: fs.promises.FileHandle) {
    this.#fh = fh;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.byteLength) {
      const { bytesWritten } = await this.#fh.write(
        bytes,
        written,
        bytes.byteLength - written,
        this.#position + written,
      );
      written += bytesWritten;
    }
    this.#position += bytes.byteLength;
    this.#unsynced += bytes.byteLength;
    if (this.#unsynced >= SYNC_EVERY) {
      this.#unsynced = 0;
      this.#syncing = this.#syncing
        .then(() => this.#fh.datasync())
        .catch((error: unknown) => {
          this.#syncError ??= error instanceof Error ? error : new Error(String(error));
        });
    }
  }

  position(): bigint {
    return BigInt(this.#position);
  }

  /**
   * Flushes everything written to disk, after the background flushes; rejects with the first
   * failure among them. Call before closing the file handle.
   */
  async sync(): Promise<void> {
    await this.#syncing;
    if (this.#syncError !== undefined) throw this.#syncError;
    await this.#fh.datasync();
  }

  /** Waits for the background flushes (their failures are `sync`'s to report). */
  async settle(): Promise<void> {
    await this.#syncing;
  }
}
