/** Execution providers the engine can ask ONNX Runtime for. `auto` tries the GPU ones first, then CPU. */
export type ProviderName = "cpu" | "cuda" | "tensorrt" | "webgpu";
export type ProviderChoice = ProviderName | "auto";

/** Saliency methods: VisualBackProp, LRP with the epsilon rule, and the plain input gradient. */
export type SaliencyMethod = "vbp" | "lrp" | "gradient";

export const SALIENCY_METHODS: readonly SaliencyMethod[] = ["vbp", "lrp", "gradient"];

/**
 * Where LRP's relevance is read off: at the raw model input (`input`, the default: through the
 * model's own input normalisation, e.g. `x / 127.5 - 1`, whose Div and Sub are LRP layers too), or
 * at the first convolution's input (`conv1`: after the normalisation, as LRP is usually shown).
 */
export type LrpPoint = "input" | "conv1";

export const LRP_POINTS: readonly LrpPoint[] = ["input", "conv1"];

export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface SessionSettings {
  /** Execution provider, default `auto`. */
  readonly provider?: ProviderChoice;
  /** Threads inside one operator; 0 lets ONNX Runtime choose. */
  readonly intraOpThreads?: number;
  /** Threads across operators; 0 lets ONNX Runtime choose. */
  readonly interOpThreads?: number;
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Whether ONNX Runtime's intra-op threads spin while they wait for work (its default). Off where
   * the process does CPU work beside the engine (the node): spinning threads hold the cores that
   * work needs, and a shared machine's cores, between runs.
   */
  readonly spinWait?: boolean;
  /** Receives the one line that says a requested provider failed and which one is used instead. */
  readonly log?: (line: string) => void;
  /**
   * Given (the CLI's --verbose): receives which provider `auto` chose and why, and ONNX Runtime's
   * own warnings reach stderr. Without it ONNX Runtime logs errors only.
   */
  readonly verbose?: (line: string) => void;
}

/** One tensor as it comes out of ONNX Runtime, float32 only. */
export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** An intermediate VisualBackProp mask at its feature map's resolution, normalised per image. */
export interface LayerMask {
  /** Name of the activation tensor in the model the mask belongs to. */
  readonly layer: string;
  readonly height: number;
  readonly width: number;
  /** batch * height * width values in [0, 1]. */
  readonly data: Float32Array;
}

/** What one `Engine.run` returns for a batch. */
export interface EngineResult {
  /** The model's own outputs, by output name, unchanged by the rewrite. */
  readonly outputs: Readonly<Record<string, OutputTensor>>;
  readonly batch: number;
  /** Mask size: the model's input height and width. */
  readonly height: number;
  readonly width: number;
  /** batch * height * width values in [0, 1]: image i starts at i * height * width. */
  readonly masks: Float32Array;
  /** Deepest first; present only when asked for. */
  readonly layerMasks?: readonly LayerMask[];
  /** Wall time of the one session.run that produced outputs and masks, milliseconds. */
  readonly runMs: number;
}
