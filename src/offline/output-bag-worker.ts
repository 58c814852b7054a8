/**
 * Worker-thread entry of the threaded output bag (output-bag.ts): one BagWriter, fed in order,
 * acknowledging bytes written so the main thread can bound what is in flight.
 */
import { parentPort } from "node:worker_threads";
import { type BagWriter, createBagWriter } from "../bag/rosbag2-writer";
import type { FromWriter, ToWriter } from "./output-bag";
import { errorText } from "../error-text";

const port = parentPort;
if (port === null) throw new Error("output-bag-worker.js runs as a worker thread of the bag tool");
const send = (message: FromWriter): void => port.postMessage(message);

let writer: BagWriter | undefined;
let chain: Promise<void> = Promise.resolve();
let failed: string | undefined;
let written = 0;
let ackedAt = 0;

function fail(error: unknown): void {
  if (failed !== undefined) return;
  failed = errorText(error);
  send({ type: "error", message: failed });
}

port.on("message", (message: ToWriter) => {
  switch (message.type) {
    case "open":
      createBagWriter(message.dir, message.options).then(
        (opened) => {
          writer = opened;
          send({ type: "opened", dir: opened.dir });
        },
        (error: unknown) => send({ type: "error", message: (error as Error).message }),
      );
      break;
    case "topic":
      chain = chain
        .then(() => (failed === undefined ? writer?.addTopic(message.topic) : undefined))
        .catch(fail)
        .then(() => send({ type: "declared" }));
      break;
    case "metadata":
      chain = chain
        .then(() => (failed === undefined ? writer?.addMetadata(message.name, message.metadata) : undefined))
        .catch(fail)
        .then(() => send({ type: "declared" }));
      break;
    case "write":
      chain = chain
        .then(async () => {
          if (failed !== undefined || writer === undefined) return;
          await writer.write(message.topic, message.logTimeNs, message.data);
          written += message.data.byteLength;
          // Written means copied into the chunk: the buffer can carry another frame.
          if (message.recycle) {
            const buffer = message.data.buffer as ArrayBuffer;
            port.postMessage({ type: "recycled", buffer } satisfies FromWriter, [buffer]);
          }
          if (written - ackedAt >= 4 << 20) {
            ackedAt = written;
            send({ type: "ack", bytes: written });
          }
        })
        .catch(fail);
      break;
    case "close":
      chain = chain
        .then(async () => {
          send({ type: "ack", bytes: written });
          const metadata = await writer?.close();
          send({ type: "closed", metadata, error: failed, compressMs: writer?.compressMs ?? 0 });
        })
        .catch((error: unknown) =>
          send({ type: "closed", error: (error as Error).message, compressMs: writer?.compressMs ?? 0 }),
        );
      break;
  }
});
