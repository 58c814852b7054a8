/** The package's public API: the engine, preprocessing and image helpers. */
export { Engine } from "./engine/engine";
export type { EngineOptions, ForwardResult, RunOptions } from "./engine/engine";
export type {
  EngineResult,
  LayerMask,
  OutputTensor,
  ProviderChoice,
  ProviderName,
  SessionSettings,
} from "./engine/types";
export { loadModelSpec } from "./engine/model-spec";
export type { ModelSpec } from "./engine/model-spec";
export { analyseTrunk } from "./engine/trunk";
export { UnsupportedModelError } from "./engine/unsupported-model";
export type { FeatureMap, VbpPlan } from "./engine/trunk";
export { referenceVisualBackProp } from "./engine/vbp-reference";
export { mapMaskToFrame, preprocess, validatePreprocessSpec } from "./image/preprocess";
export type { PreprocessSpec } from "./image/preprocess";
export { maskToMono8, renderOverlay } from "./image/overlay";
export type { ColorMap } from "./image/colormap";
export type { FloatImage, RgbFrame } from "./image/frame";
export { encodeNpy, parseNpy } from "./npy";

/** rosbag2 reading and writing, the offline pipeline, the synthetic drive and mask evaluation. */
export * as bag from "./bag";
export * as offline from "./offline";
export * as drive from "./drive";
export { evaluateMasks } from "./eval/evaluate-masks";
export type { MaskEvalOptions, MaskEvaluation } from "./eval/evaluate-masks";
