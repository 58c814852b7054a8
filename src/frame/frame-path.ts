/**
 * The one frame path of the node and the bag tool, with no ROS dependency: a camera image in (any
 * supported encoding, or a compressed image) -> decode -> check and preprocess into the batch's
 * input tensor -> one engine run for the batch -> per frame, first the steering command and the
 * saliency message, then (only when wanted) the mask and overlay images, as message objects.
 *
 * The node (src/ros/batch-processor.ts) calls these steps in order on its event loop and publishes
 * what they return; the bag tool (src/offline) calls the same steps, decode, preprocess and the
 * outputs in its frame workers, the engine in the main thread, and serialises what they return.
 * Saliency's timing fields mean the same in both (msg/Saliency.msg).
 */
import { firstNonFinite } from "../engine/finite";
import { aspectWarning, type ModelSpec } from "../engine/model-spec";
import type { EngineResult, SaliencyMethod } from "../engine/types";
import type { ColorMap } from "../image/colormap";
import {
  type CompressedImage,
  compressedToRgbFrame,
  type FrameConversionOptions,
  imageToFrame,
  type RawImage,
} from "../image/encodings";
import type { CameraFrame, FloatImage } from "../image/frame";
import type { PreprocessSpec } from "../image/preprocess";
import type { HeaderMsg, ImageMsg, SaliencyMsg, SteeringCommandMsg } from "./message-types";
import {
  buildMono8Image,
  buildRgb8Image,
  buildSaliency,
  buildSteeringCommand,
  type FrameTiming,
  type LayerMaskValues,
} from "./messages";
import type { ImageOps } from "./model-port";
import { type SteeringGeometry, steeringWheelAngle } from "./steering";

/** A camera message's image part, as it arrives: raw (sensor_msgs/Image) or compressed. */
export type CameraImage =
  | { readonly kind: "raw"; readonly message: RawImage }
  | { readonly kind: "compressed"; readonly message: CompressedImage };

/**
 * Step 1: the camera image as a frame, RGB or (mono8, mono16) grey, which preprocessing takes as it
 * is and only drawing an overlay widens. Rejects with an ImageConversionError (its `reason` is what
 * the node's and the bag tool's bad-frame counters count by). `options` say where a raw frame's
 * bytes go (imageToFrame); a compressed one is decoded by libvips into its own buffer.
 */
export async function decodeCameraImage(
  image: CameraImage,
  options: FrameConversionOptions = {},
): Promise<CameraFrame> {
  return image.kind === "raw" ? imageToFrame(image.message, options) : compressedToRgbFrame(image.message);
}

/**
 * Step 2, and with AspectWarning the one place a decoded frame is checked before it reaches the
 * model: writes its model input at `offset` of `input`. Throws (the frame is then dropped and
 * counted as bad, reason "preprocess") for a frame that cannot be preprocessed.
 */
export function prepareFrame(
  frame: CameraFrame,
  spec: PreprocessSpec,
  imageOps: Pick<ImageOps, "preprocess">,
  input: Float32Array,
  offset: number,
): void {
  imageOps.preprocess(frame, spec, input, offset);
}

/**
 * Step 2's other check: a frame more than 10 % off the aspect ratio of the spec's camera frame is
 * still used, but its crop (fractions of that frame) cuts another part of the scene, which is said
 * once per run. Each run owns one (the node's batch processor, a bag run, a mask command), since
 * "once" is the run's; it takes the frame's size rather than the frame, because the bag tool
 * preprocesses in worker threads and only the size comes back to the run.
 */
export class AspectWarning {
  readonly #spec: Pick<ModelSpec, "name" | "frame">;
  #said = false;

  constructor(spec: Pick<ModelSpec, "name" | "frame">) {
    this.#spec = spec;
  }

  /**
   * The warning for a `width` x `height` frame, the first time in this run one does not match the
   * spec's shape; undefined for a matching frame and for every frame after the warning was given.
   */
  check(width: number, height: number): string | undefined {
    if (this.#said) return undefined;
    const warning = aspectWarning(this.#spec, width, height);
    if (warning === undefined) return undefined;
    this.#said = true;
    return `${warning} (said once per run)`;
  }
}

/** What the engine said about one frame of a batch. */
export interface FramePrediction {
  /** The model's steering output, 1/m. */
  readonly curvature: number;
  /** The mask at the model's input resolution: a view into the batch's masks. */
  readonly mask: FloatImage;
  /** Intermediate masks, copied out of the batch (empty unless the run asked for them). */
  readonly layers: readonly LayerMaskValues[];
}

/** Step 3 (after the batch's engine run): frame `index`'s prediction. */
export function predictionOf(result: EngineResult, outputName: string, index: number): FramePrediction {
  const output = result.outputs[outputName];
  if (output === undefined)
    throw new Error(
      `the model has no output '${outputName}' (it has ${Object.keys(result.outputs).join(", ")})`,
    );
  const valuesPerImage = output.data.length / result.batch;
  const size = result.width * result.height;
  const layers = (result.layerMasks ?? []).map((layer) => {
    const layerSize = layer.width * layer.height;
    return {
      layer: layer.layer,
      width: layer.width,
      height: layer.height,
      mask: layer.data.slice(index * layerSize, (index + 1) * layerSize),
    };
  });
  return {
    curvature: output.data[index * valuesPerImage],
    mask: {
      width: result.width,
      height: result.height,
      data: result.masks.subarray(index * size, (index + 1) * size),
    },
    layers,
  };
}

/**
 * Whether the engine gave a frame a NaN or infinite prediction or mask (ONNX Runtime passes them
 * through silently): such a frame is dropped as bad, not published as a null steering value and a
 * black mask.
 */
export function isNonFinite(prediction: FramePrediction): boolean {
  return !Number.isFinite(prediction.curvature) || firstNonFinite(prediction.mask.data) >= 0;
}

/** What stays the same for a frame's steering and saliency. */
export interface SteeringSettings {
  readonly modelName: string;
  readonly method: SaliencyMethod;
  readonly geometry: SteeringGeometry;
  readonly steering: boolean;
  readonly saliency: boolean;
}

export interface SteeringOutputs {
  readonly curvature: number;
  readonly steeringWheelAngle: number;
  readonly steering?: SteeringCommandMsg;
  readonly saliency?: SaliencyMsg;
}

/**
 * Step 4, as soon as the engine returns: the steering command and the saliency message (each
 * when asked for), before any image is rendered. `timing` is asked for when the saliency message
 * is built, so its clock-based fields end there.
 */
export function buildSteeringOutputs(
  header: HeaderMsg,
  prediction: FramePrediction,
  settings: SteeringSettings,
  timing: () => FrameTiming,
  framesDropped: number,
): SteeringOutputs {
  const { curvature, mask } = prediction;
  const angle = steeringWheelAngle(curvature, settings.geometry);
  const steering = settings.steering
    ? buildSteeringCommand(header, { curvature, steeringWheelAngle: angle, modelName: settings.modelName })
    : undefined;
  const saliency = settings.saliency
    ? buildSaliency(header, {
        method: settings.method,
        width: mask.width,
        height: mask.height,
        // A copy: the message outlives the batch's buffers.
        mask: mask.data.slice(),
        layers: prediction.layers,
        timing: timing(),
        framesDropped,
      })
    : undefined;
  return { curvature, steeringWheelAngle: angle, steering, saliency };
}

/** What stays the same for a frame's images. */
export interface ImageSettings {
  readonly preprocess: PreprocessSpec;
  readonly colorMap: ColorMap;
  readonly opacity: number;
  readonly mask: boolean;
  readonly overlay: boolean;
}

export interface ImageOutputs {
  readonly mask?: ImageMsg;
  readonly overlay?: ImageMsg;
}

/**
 * Where buildImageOutputs writes the pixels, instead of new buffers: the bag tool passes the pixel
 * bytes of messages already serialised around them (src/bag/image-cdr.ts), the node buffers lent
 * for the batch (src/frame/byte-buffer-pool.ts).
 */
export interface ImageTargets {
  /** frame width x height bytes for the mask's levels (the mono8 mask, and the overlay's input). */
  readonly mask?: Uint8Array;
  /** frame width x height x 3 bytes for the rgb8 overlay. */
  readonly overlay?: Uint8Array;
}

/**
 * Step 5, after steering and saliency: the mask on the camera frame (mono8) and the heat map over
 * it (rgb8), each only when asked for; the mask is quantised once for both.
 */
export function buildImageOutputs(
  header: HeaderMsg,
  frame: CameraFrame,
  mask: FloatImage,
  settings: ImageSettings,
  imageOps: Pick<ImageOps, "mapMaskToMono8" | "renderOverlay">,
  /** The mask already mapped onto the frame (a comparison needs it anyway); computed when absent. */
  frameMask?: Uint8Array,
  targets: ImageTargets = {},
): ImageOutputs {
  if (!settings.mask && !settings.overlay) return {};
  const maskTarget = targets.mask;
  let mono8: Uint8Array;
  if (frameMask === undefined)
    mono8 = imageOps.mapMaskToMono8(mask, settings.preprocess, frame.width, frame.height, maskTarget);
  else if (maskTarget !== undefined) mono8 = copyInto(maskTarget, frameMask);
  else mono8 = frameMask;
  const options = { colorMap: settings.colorMap, opacity: settings.opacity };
  return {
    mask: settings.mask ? buildMono8Image(header, frame.width, frame.height, mono8) : undefined,
    overlay: settings.overlay
      ? buildRgb8Image(header, imageOps.renderOverlay(frame, mono8, options, targets.overlay))
      : undefined,
  };
}

function copyInto(target: Uint8Array, source: Uint8Array): Uint8Array {
  if (target.length !== source.length)
    throw new Error(`mask: expected a target of ${source.length} bytes, got ${target.length}`);
  target.set(source);
  return target;
}
