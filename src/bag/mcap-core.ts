/**
 * `@mcap/core`, loaded through its CommonJS build. Its package points TypeScript at the ES module
 * typings only, which a CommonJS project cannot `import`; the types are taken from there and the
 * values from `require`, in this one place.
 */
import type * as Mcap from "@mcap/core" with { "resolution-mode": "import" };

export type { IReadable, IWritable } from "@mcap/core" with { "resolution-mode": "import" };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mcap = require("@mcap/core") as typeof Mcap;

export const McapCoreWriter = mcap.McapWriter;
export type McapCoreWriter = Mcap.McapWriter;
export const McapIndexedReader = mcap.McapIndexedReader;
