/** Typings for the parts of lz4js (no bundled types) that the MCAP reader and writer use. */
declare module "lz4js" {
  /** Decompresses one LZ4 frame; `maxSize` bounds the output. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Compresses into one LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}
