/**
 * The `IWritable` `@mcap/core`'s writer writes to: a file handle, appended at a known position.
 * Each `write` finishes before it resolves, because the library reuses the buffer it passed.
 */
import type * as fs from "node:fs";
import type { IWritable } from "./mcap-core";

export class FileWritable implements IWritable {
  readonly #fh: fs.promises.FileHandle;
  #position = 0;

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
  }

  position(): bigint {
    return BigInt(this.#position);
  }
}
