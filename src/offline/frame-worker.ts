/**
 * Worker-thread entry of the frame pool (frame-pool.ts): runs FrameWork on the messages the main
 * thread sends, and transfers the results back without copying. Preparing goes before rendering:
 * a frame the engine waits for is not held up behind the images of frames whose steering is out.
 */
import { parentPort, workerData } from "node:worker_threads";
import { FrameWork, type FrameWorkSettings, type Prepared } from "./frame-work";
import type { ToWorker } from "./frame-pool";

const maybePort = parentPort;
if (maybePort === null) throw new Error("frame-worker.js runs as a worker thread of the frame pool");
const port = maybePort;
const work = new FrameWork(workerData as FrameWorkSettings);

type RenderMessage = Extract<ToWorker, { type: "render" | "renderImages" }>;
const renders: RenderMessage[] = [];
let pumping = false;

/** One render per turn of the event loop, so prepare messages that arrived meanwhile go first. */
function pump(): void {
  const message = renders.shift();
  if (message === undefined) {
    pumping = false;
    return;
  }
  render(message);
  setImmediate(pump);
}

function sendPrepared(id: number, prepared: Prepared): void {
  port.postMessage(
    { type: "prepared", id, prepared },
    prepared.ok ? [prepared.tensor.buffer as ArrayBuffer] : [],
  );
}

function render(message: RenderMessage): void {
  if (message.type === "renderImages") {
    try {
      const rendered = work.renderImages(message.id, message.mask, message.settings);
      const transfer = [rendered.images.mask?.data.buffer, rendered.images.overlay?.data.buffer].filter(
        (buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer,
      );
      port.postMessage({ type: "renderedImages", id: message.id, rendered }, [...new Set(transfer)]);
    } catch (error) {
      port.postMessage({ type: "renderedImages", id: message.id, error: (error as Error).message });
    }
    return;
  }
  try {
    const { result, renderMs } = work.render(
      message.id,
      message.mask,
      message.curvature,
      message.clock,
      message.keepOverlay,
    );
    const transfer: ArrayBuffer[] = Object.values(result.messages).map((m) => m.buffer as ArrayBuffer);
    const overlay = message.keepOverlay ? result.overlay : undefined;
    if (overlay !== undefined) transfer.push(overlay.data.buffer as ArrayBuffer);
    port.postMessage({ type: "rendered", id: message.id, result: { ...result, overlay }, renderMs }, [
      ...new Set(transfer),
    ]);
  } catch (error) {
    port.postMessage({ type: "rendered", id: message.id, error: (error as Error).message });
  }
}

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "prepare":
      void work
        .prepare(message.id, message.compressed, message.data)
        .then((p) => sendPrepared(message.id, p));
      break;
    case "prepareImage":
      void work
        .prepareImage(message.id, message.header, message.image)
        .then((p) => sendPrepared(message.id, p));
      break;
    case "render":
    case "renderImages":
      renders.push(message);
      if (!pumping) {
        pumping = true;
        setImmediate(pump);
      }
      break;
    case "drop":
      work.drop(message.id);
      break;
  }
});
port.postMessage({ type: "ready", id: -1 });
