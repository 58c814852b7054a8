/**
 * Executable entry of visualbackprop_node (bin/visualbackprop_node calls `main`): the real
 * rclnodejs, engine and image helpers wired into runNodeMain.
 */
import { DEFAULT_MODEL } from "../cli/package-paths";
import { IMAGE_OPS } from "../frame/image-ops";
import { loadModel } from "../frame/model-loader";
import { applyDdsReceiveBuffer } from "./dds-receive-buffer";
import { runNodeMain } from "./node-main";
import { loadRclnodejs } from "./rclnodejs-adapter";

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
