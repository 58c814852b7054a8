/**
 * The per-frame work that needs no engine: decode and preprocess a camera message, and later
 * turn its mask into the node's four messages. One class, so the same code runs in the main thread
 * or in worker threads (frame-worker.ts) beside the engine and the bag writer.
 */
import { createSerializer } from "../bag/serializer-factory";
import type { SaliencyMethod } from "../engine/types";
import type { ColorMap } from "../image/colormap";
import type { FloatImage } from "../image/frame";
import type { PreprocessSpec } from "../image/preprocess";
import { prepareFrame } from "../frame/frame-path";
import { IMAGE_OPS } from "../frame/image-ops";
import type { HeaderMsg } from "../frame/message-types";
import type { FrameTiming } from "../frame/messages";
import type { SteeringGeometry } from "../frame/steering";
import { type DecodedFrame, decodeCameraMessage, FrameSkip } from "./frame-decoder";
import type { OutputKind } from "./camera-topics";
import { BufferPool } from "./buffer-pool";
import { buildFrameOutputs, type FrameResult, type MessageMaker } from "./frame-outputs";
import { buildCompareOutputs, type ComparePrediction, type CompareSettings } from "./compare-outputs";

/** What stays the same for every frame of a run; plain data, so it can be sent to a worker. */
export interface FrameWorkSettings {
  readonly modelName: string;
  readonly method: SaliencyMethod;
  readonly preprocess: PreprocessSpec;
  /** Values per image of the model input (channels * height * width). */
  readonly inputSize: number;
  readonly colorMap: ColorMap;
  readonly opacity: number;
  readonly geometry: SteeringGeometry;
  /** The outputs written (OUTPUT_KINDS order). */
  readonly outputs: readonly OutputKind[];
  /** A second model to run on every frame and compare with (`--compare`). */
  readonly compare?: CompareSettings;
}

/**
 * What the main thread knows of a frame's timing when it hands the frame over for rendering.
 * Instants are epoch milliseconds (performance.timeOrigin + performance.now()), the one clock the
 * main thread and the workers share.
 */
export interface FrameClock {
  /** This frame's decode and preprocessing, ms. */
  readonly preprocessMs: number;
  /** The engine run of its batch over the frames in it, ms. */
  readonly inferenceMs: number;
  /** When the frame's message was read from the input. */
  readonly arrivedAt: number;
  /** When the engine run of its batch returned. */
  readonly engineDoneAt: number;
}

/** Whether two preprocessing specs make the same model input (then one tensor feeds both models). */
export function sameSpec(a: PreprocessSpec, b: PreprocessSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Now on the clock FrameClock uses. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A frame ready for the engine, or why it is not. */
export type Prepared =
  | {
      readonly ok: true;
      readonly header: HeaderMsg;
      /** One image of model input. */
      readonly tensor: Float32Array;
      /**
       * The compared model's input, when its preprocessing differs from the main model's (the
       * same spec feeds both from `tensor`).
       */
      readonly compareTensor?: Float32Array;
      /** The camera frame's size, for the aspect-ratio check against the model's spec. */
      readonly width: number;
      readonly height: number;
      readonly decodeMs: number;
      readonly preprocessMs: number;
    }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/** The results of a frame plus how long rendering took. */
export interface Rendered {
  readonly result: FrameResult;
  readonly renderMs: number;
}

export class FrameWork {
  readonly #settings: FrameWorkSettings;
  readonly #maker: MessageMaker;
  readonly #frames = new Map<number, DecodedFrame>();

  /** `buffers`: where the mask and overlay messages are rendered into (this thread's own pool). */
  constructor(settings: FrameWorkSettings, buffers = new BufferPool()) {
    this.#settings = settings;
    this.#maker = { serializer: createSerializer(), allocate: (byteLength) => buffers.allocate(byteLength) };
  }

  /**
   * Decodes and preprocesses a camera message; keeps the frame under `id` for `render`. With
   * `borrow`, the frame may be a view of `data` (decodeCameraMessage): only when `data` stays
   * unchanged, and in this thread, until the frame is rendered or dropped.
   */
  async prepare(id: number, compressed: boolean, data: Uint8Array, borrow = false): Promise<Prepared> {
    const started = performance.now();
    let decoded: DecodedFrame;
    try {
      decoded = await decodeCameraMessage(this.#maker.serializer, compressed, data, borrow);
    } catch (error) {
      const skip = error instanceof FrameSkip ? error : new FrameSkip("conversion", String(error));
      return { ok: false, reason: skip.reason, message: skip.message };
    }
    const decodedAt = performance.now();
    try {
      const tensor = new Float32Array(this.#settings.inputSize);
      prepareFrame(decoded.frame, this.#settings.preprocess, IMAGE_OPS, tensor, 0);
      const compareTensor = this.#compareInput(decoded);
      this.#frames.set(id, decoded);
      return {
        ok: true,
        header: decoded.header,
        tensor,
        compareTensor,
        width: decoded.frame.width,
        height: decoded.frame.height,
        decodeMs: decodedAt - started,
        preprocessMs: performance.now() - decodedAt,
      };
    } catch (error) {
      return { ok: false, reason: "preprocess", message: (error as Error).message };
    }
  }

  /**
   * Builds frame `id`'s messages from its mask and prediction, and forgets the frame. The
   * Saliency timing follows msg/Saliency.msg: visualbackprop_ms from the engine's return and
   * total_ms from the frame's arrival, each to the moment the Saliency message is built.
   */
  render(
    id: number,
    mask: FloatImage,
    curvature: number,
    clock: FrameClock,
    keepOverlay = false,
    compare?: ComparePrediction,
  ): Rendered {
    const decoded = this.#frames.get(id);
    if (decoded === undefined) throw new Error(`frame ${id} was not prepared here`);
    this.#frames.delete(id);
    const started = performance.now();
    const timing = (): FrameTiming => {
      const now = epochMs();
      return {
        preprocessMs: clock.preprocessMs,
        inferenceMs: clock.inferenceMs,
        visualBackPropMs: now - clock.engineDoneAt,
        totalMs: now - clock.arrivedAt,
      };
    };
    const { compare: compareSettings } = this.#settings;
    const result =
      compare !== undefined && compareSettings !== undefined
        ? buildCompareOutputs(
            this.#maker,
            this.#settings,
            compareSettings,
            decoded.header,
            decoded.frame,
            { mask, curvature, timing },
            compare,
            keepOverlay,
          )
        : buildFrameOutputs(
            this.#maker,
            this.#settings,
            decoded.header,
            decoded.frame,
            mask,
            curvature,
            timing,
            keepOverlay,
          );
    return { result, renderMs: performance.now() - started };
  }

  /** The compared model's own input, when its spec differs from the main model's. */
  #compareInput(decoded: DecodedFrame): Float32Array | undefined {
    const compare = this.#settings.compare;
    if (compare === undefined || sameSpec(compare.preprocess, this.#settings.preprocess)) return undefined;
    const tensor = new Float32Array(compare.inputSize);
    prepareFrame(decoded.frame, compare.preprocess, IMAGE_OPS, tensor, 0);
    return tensor;
  }

  /** Forgets a prepared frame that will not be rendered (a failed batch, a stopped run). */
  drop(id: number): void {
    this.#frames.delete(id);
  }
}
