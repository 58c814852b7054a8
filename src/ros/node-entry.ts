/**
 * Executable entry of visualbackprop_node (bin/visualbackprop_node calls `main`): the real
 * rclnodejs, engine and image helpers wired into runNodeMain.
 */
import { DEFAULT_MODEL } from "../cli/package-paths.js";
import { IMAGE_OPS } from "../frame/image-ops.js";
import { loadModel } from "../frame/model-loader.js";
import { applyDdsReceiveBuffer } from "./dds-receive-buffer.js";
import { runNodeMain } from "./node-main.js";
import { loadRclnodejs } from "./rclnodejs-adapter.js";

/** Runs the node in this process until SIGINT/SIGTERM, then exits with its code. */
export function main(): void {
  void runNodeMain({
    loadRcl: () => loadRclnodejs(),
    prepareDds: () => applyDdsReceiveBuffer(process.env),
    loadModel,
    imageOps: IMAGE_OPS,
    defaultModelPath: DEFAULT_MODEL,
    signals: process,
    writeError: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => process.exit(code));
}

if (require.main === module) main();
