/**
 * A dry run of the frame path before the first camera frame. Traced on the real graph, the node's
 * first batches after a camera starts held its main thread for 50-80 ms at a time (engine runs at
 * batch sizes it had not seen, image and message code running cold, rclnodejs's first takes and
 * publishes of camera-sized messages); at 30 Hz per camera that is two frames, and with a depth-1
 * subscription the older one is lost inside DDS. Running every batch size the node can see once,
 * on a synthetic frame, moves the engine's and the frame path's share of that before the node
 * subscribes; rclnodejs's share stays. Nothing is published and nothing is counted.
 */
import type { ColorMap } from "../image/colormap";
import type { RgbFrame } from "../image/frame";
import type { RosSerializer } from "../bag/ros-serializer";
import { buildSteeringOutputs, predictionOf, prepareFrame } from "./frame-path";
import { serialisedImageOutputs } from "./image-shells";
import type { HeaderMsg } from "./message-types";
import type { ImageOps, LoadedModel } from "./model-port";
import type { SteeringGeometry } from "./steering";

/** The camera size a model's spec names, or VGA when it names none. */
const FALLBACK_FRAME = { width: 640, height: 480 };

/** The settings the real frames will run with, so the same code paths warm up. */
export interface WarmUpSettings {
  /** The most frames a batch can hold: the number of cameras. */
  readonly maxBatch: number;
  readonly geometry: SteeringGeometry;
  readonly colorMap: ColorMap;
  readonly opacity: number;
}

/** What a warm-up took, for the start-up log line. */
export interface WarmUpReport {
  readonly ms: number;
}

/**
 * Runs batches of 1 to `maxBatch` synthetic frames (the model's camera size) through preprocessing,
 * the engine, the prediction and both images. `now` is the caller's monotonic clock. Rejects with
 * the engine's error when a batch fails.
 */
export async function warmUpFramePath(
  model: LoadedModel,
  imageOps: ImageOps,
  /** The serializer the node draws its images into messages with. */
  serializer: RosSerializer,
  settings: WarmUpSettings,
  now: () => number,
): Promise<WarmUpReport> {
  const started = now();
  const frame = syntheticFrame(model.frame ?? FALLBACK_FRAME);
  const { channels, height, width } = model.engine.inputShape;
  const perImage = channels * height * width;
  const header: HeaderMsg = { stamp: { sec: 0, nanosec: 0 }, frame_id: "warm_up" };
  for (let batch = 1; batch <= Math.max(1, settings.maxBatch); batch++) {
    const input = new Float32Array(batch * perImage);
    for (let i = 0; i < batch; i++) prepareFrame(frame, model.preprocess, imageOps, input, i * perImage);
    const result = await model.engine.run(input, batch);
    for (let i = 0; i < batch; i++) {
      const prediction = predictionOf(result, model.outputName, i);
      buildSteeringOutputs(
        header,
        prediction,
        {
          modelName: model.name,
          method: model.engine.method,
          geometry: settings.geometry,
          steering: true,
          saliency: true,
        },
        () => ({ preprocessMs: 0, inferenceMs: 0, visualBackPropMs: 0, totalMs: 0 }),
        0,
      );
      serialisedImageOutputs(
        serializer,
        header,
        frame,
        prediction.mask,
        {
          preprocess: model.preprocess,
          colorMap: settings.colorMap,
          opacity: settings.opacity,
          mask: true,
          overlay: true,
        },
        imageOps,
        (byteLength) => new Uint8Array(byteLength),
      );
    }
  }
  return { ms: now() - started };
}

/** A frame with a gradient, so no kernel takes only its uniform-input shortcuts. */
function syntheticFrame(size: { readonly width: number; readonly height: number }): RgbFrame {
  const data = new Uint8Array(size.width * size.height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
  return { width: size.width, height: size.height, data };
}
