/**
 * `@foxglove/cdr` 3.x writes a string's UTF-16 length as its byte length, so a non-ASCII string
 * (`frame_id: "kaméra"`) comes out cut and with a wrong length prefix. This wraps
 * `CdrWriter.prototype.string` to write such strings as UTF-8 bytes through the writer's public
 * methods; ASCII strings still take the library's own path. The patch is applied only while a
 * probe shows the library is still wrong, so it switches itself off once upstream fixes it.
 * Recheck on any `@foxglove/cdr` upgrade.
 */
import { CdrWriter } from "@foxglove/cdr";

const encoder = new TextEncoder();
const NON_ASCII = /\P{ASCII}/u;

function libraryWritesUtf8(): boolean {
  const probe = new CdrWriter({ size: 16 });
  probe.string("é");
  return probe.data.byteLength === 4 + 4 + 3;
}

if (!libraryWritesUtf8()) {
  const original = CdrWriter.prototype.string;
  CdrWriter.prototype.string = function string(
    this: CdrWriter,
    value: string,
    writeLength = true,
  ): CdrWriter {
    if (!NON_ASCII.test(value)) return original.call(this, value, writeLength);
    const bytes = encoder.encode(value);
    if (writeLength) this.uint32(bytes.length + 1);
    for (const byte of bytes) this.uint8(byte);
    return this.uint8(0);
  };
}
