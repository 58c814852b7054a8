/**
 * What the node needs from the engine and the image helpers, as interfaces of the same shape as
 * `Engine` (src/engine/engine.ts) and the functions of src/image. The node receives them from
 * outside, so tests drive it with a stub engine and no model file, and the node never loads
 * ONNX Runtime itself.
 */
import type { ColorMap } from "../image/colormap";
import type { EngineResult, LrpPoint, ProviderName, SaliencyMethod, SessionSettings } from "../engine/types";
import type { CameraFrame, FloatImage, RgbFrame } from "../image/frame";
import type { PreprocessSpec } from "../image/preprocess";

/** The members of `Engine` the node calls. */
export interface SaliencyEngine {
  /** The provider actually running (after any fallback). */
  readonly provider: ProviderName;
  /** The saliency method the engine's graph computes. */
  readonly method: SaliencyMethod;
  readonly inputShape: { channels: number; height: number; width: number };
  run(input: Float32Array, batch: number, options?: { layerMasks?: boolean }): Promise<EngineResult>;
  release(): Promise<void>;
}

/** A model ready to run, with what is needed to feed it and read it. */
export interface LoadedModel {
  /** Reported in SteeringCommand.model_name and /diagnostics. */
  readonly name: string;
  /** The engine output that carries the curvature prediction. */
  readonly outputName: string;
  readonly preprocess: PreprocessSpec;
  /** The camera frame size the spec's crop was made for, when the spec says. */
  readonly frame?: { readonly width: number; readonly height: number };
  readonly engine: SaliencyEngine;
}

export interface ModelRequest extends SessionSettings {
  readonly modelPath: string;
  readonly method?: SaliencyMethod;
  /** LRP's epsilon. */
  readonly epsilon?: number;
  /** Where LRP's relevance is measured. */
  readonly lrpAt?: LrpPoint;
}

/** Loads a model; rejects with one clear message (missing file, corrupt model, unknown provider). */
export type ModelLoader = (request: ModelRequest) => Promise<LoadedModel>;

/** The image helpers the frame path calls, with the signatures of src/image/preprocess.ts and overlay.ts. */
export interface ImageOps {
  /** Writes one frame's model input at `offset` of `out`. */
  preprocess(frame: CameraFrame, spec: PreprocessSpec, out: Float32Array, offset: number): Float32Array;
  /**
   * The mask on the camera frame as mono8 levels: the inverse of crop and resize, quantised once.
   * Written into `into` (frame-sized) when given, else into a new buffer.
   */
  mapMaskToMono8(
    mask: FloatImage,
    spec: PreprocessSpec,
    frameWidth: number,
    frameHeight: number,
    into?: Uint8Array,
  ): Uint8Array;
  /**
   * Heat map over the frame from the mono8 mask (at the frame's size) that is published anyway.
   * Written into `into` (frame-sized RGB) when given, else into a new buffer.
   */
  renderOverlay(
    frame: CameraFrame,
    mono8Mask: Uint8Array,
    options: { colorMap: ColorMap; opacity: number },
    into?: Uint8Array,
  ): RgbFrame;
}
