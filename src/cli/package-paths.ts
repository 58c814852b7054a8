import * as path from "node:path";

/** The package root: the compiled CLI lives in dist/src/cli, the sources in src/cli. */
export const PACKAGE_ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? "../../.." : "../..",
);

/** The steering model the package ships and uses when none is given. */
export const DEFAULT_MODEL = path.join(PACKAGE_ROOT, "models", "pilotnet.onnx");
