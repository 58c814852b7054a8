/**
 * Worker-thread entry of the frame pool (frame-pool.ts): runs FrameWork on the messages the main
 * thread sends, and transfers the results back without copying.
 */
import { parentPort, workerData } from "node:worker_threads";
import { BufferPool } from "./buffer-pool";
import { FrameWork, type FrameWorkSettings } from "./frame-work";
import type { ToWorker } from "./frame-pool";
import type { CompareResult } from "./frame-outputs";

const port = parentPort;
if (port === null) throw new Error("frame-worker.js runs as a worker thread of the bag tool");
/**
 * Buffers the main thread sent back for rendering into (written ones, from the writer thread); a
 * few per length, as one frame is rendered at a time.
 */
const buffers = new BufferPool(4);
const work = new FrameWork(workerData as FrameWorkSettings, buffers);
/**
 * The message bytes of each prepared frame, which the frame may be a view of (an rgb8 or mono8
 * image is borrowed, not copied): they are this thread's own copy, and go back with the rendered
 * frame.
 */
const inputs = new Map<number, Uint8Array>();

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "prepare":
      void work.prepare(message.id, message.compressed, message.data, true).then((prepared) => {
        // The message bytes go back to the main thread, which writes them to the output bag
        // without a copy: with the rendered frame, or now for a frame that will not be rendered.
        if (prepared.ok) {
          inputs.set(message.id, message.data);
          port.postMessage(
            { type: "prepared", id: message.id, prepared },
            transferables(prepared.tensor, prepared.compareTensor),
          );
        } else
          port.postMessage({ type: "prepared", id: message.id, prepared, data: message.data }, [
            message.data.buffer as ArrayBuffer,
          ]);
      });
      break;
    case "render": {
      for (const buffer of message.spare) buffers.give(buffer);
      // Rendering forgets the frame, so its message bytes are free to go back.
      const data = inputs.get(message.id);
      inputs.delete(message.id);
      const input = data === undefined ? [] : [data.buffer as ArrayBuffer];
      try {
        const { result, renderMs } = work.render(
          message.id,
          message.mask,
          message.curvature,
          message.clock,
          message.keepOverlay,
          message.compare,
        );
        const transfer: ArrayBuffer[] = Object.values(result.messages).map((m) => m.buffer as ArrayBuffer);
        const overlay = message.keepOverlay ? result.overlay : undefined;
        if (overlay !== undefined) transfer.push(overlay.data.buffer as ArrayBuffer);
        if (result.compare !== undefined) transfer.push(...compareTransferables(result.compare));
        port.postMessage(
          { type: "rendered", id: message.id, result: { ...result, overlay }, renderMs, data },
          [...new Set([...transfer, ...input])],
        );
      } catch (error) {
        port.postMessage({ type: "rendered", id: message.id, error: (error as Error).message, data }, input);
      }
      break;
    }
    case "drop":
      work.drop(message.id);
      inputs.delete(message.id);
      break;
  }
});

function transferables(...arrays: (Float32Array | undefined)[]): ArrayBuffer[] {
  return arrays.filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer);
}

/** A comparison's buffers, moved rather than copied back to the main thread. */
function compareTransferables(compare: CompareResult): ArrayBuffer[] {
  const out = Object.values(compare.messages).map((m) => m.buffer as ArrayBuffer);
  for (const image of [compare.overlay, compare.diff])
    if (image !== undefined) out.push(image.data.buffer as ArrayBuffer);
  if (compare.frameMasks !== undefined)
    out.push(compare.frameMasks.main.buffer as ArrayBuffer, compare.frameMasks.compare.buffer as ArrayBuffer);
  return out;
}

port.postMessage({ type: "ready" });
