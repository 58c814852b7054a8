/**
 * Stand-ins for the engine and image helpers, and camera message factories, so node tests need no
 * model file. The stub engine reports the first input value of each image as its curvature, so a
 * test chooses a frame's prediction through its pixels.
 */
import type { EngineResult, ProviderName, SaliencyMethod } from "../../src/engine/types";
import type { RgbFrame } from "../../src/image/frame";
import { mapMaskToFrame, preprocess, type PreprocessSpec } from "../../src/image/preprocess";
import type { ImageMsg } from "../../src/frame/message-types";
import type {
  ImageOps,
  LoadedModel,
  ModelLoader,
  ModelRequest,
  SaliencyEngine,
} from "../../src/frame/model-port";

export const STUB_SPEC: PreprocessSpec = {
  crop: { x: 0, y: 0, width: 1, height: 1 },
  width: 8,
  height: 4,
  colorSpace: "rgb",
  layout: "nchw",
  scale: 1 / 255,
  bias: 0,
};

export interface StubEngineCall {
  readonly batch: number;
  readonly layerMasks: boolean;
  readonly firstValues: number[];
}

/** Same shape as Engine; answers after `delayMs` of (fakeable) setTimeout. */
export class StubEngine implements SaliencyEngine {
  readonly provider: ProviderName = "cpu";
  method: SaliencyMethod = "vbp";
  readonly inputShape: { channels: number; height: number; width: number };
  readonly calls: StubEngineCall[] = [];
  delayMs = 0;
  failWith: Error | undefined;
  released = false;

  constructor(inputShape = { channels: 3, height: STUB_SPEC.height, width: STUB_SPEC.width }) {
    this.inputShape = inputShape;
  }

  async run(
    input: Float32Array,
    batch: number,
    options: { layerMasks?: boolean } = {},
  ): Promise<EngineResult> {
    const { channels, height, width } = this.inputShape;
    const perImage = channels * height * width;
    const firstValues = Array.from({ length: batch }, (_, i) => input[i * perImage]);
    this.calls.push({ batch, layerMasks: options.layerMasks === true, firstValues });
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failWith !== undefined) throw this.failWith;
    const masks = new Float32Array(batch * height * width);
    for (let i = 0; i < masks.length; i++) masks[i] = (i % (height * width)) / (height * width - 1);
    const layerMasks = options.layerMasks
      ? [{ layer: "relu2", height: 2, width: 4, data: new Float32Array(batch * 8).fill(0.25) }]
      : undefined;
    return {
      outputs: { curvature: { dims: [batch, 1], data: Float32Array.from(firstValues) } },
      batch,
      height,
      width,
      masks,
      layerMasks,
      runMs: 1.5,
    };
  }

  async release(): Promise<void> {
    this.released = true;
  }
}

export function stubModel(engine: SaliencyEngine = new StubEngine()): LoadedModel {
  return { name: "stubnet", outputName: "curvature", preprocess: STUB_SPEC, engine };
}

/** A ModelLoader that hands out `model` and remembers the requests. */
export function stubLoader(model: LoadedModel): ModelLoader & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  const loader = async (request: ModelRequest): Promise<LoadedModel> => {
    requests.push(request);
    return model;
  };
  return Object.assign(loader, { requests });
}

/** Real preprocessing and mapping; a plain grey overlay and mono8 that tests can predict. */
export const STUB_IMAGE_OPS: ImageOps = {
  preprocess: (frame, spec, out, offset) => preprocess(frame, spec, out, offset),
  // Both write into `into` when given, as the ImageOps contract says (the node publishes those bytes).
  renderOverlay: (frame: RgbFrame, mono8: Uint8Array, options, into): RgbFrame => {
    const data = into ?? new Uint8Array(frame.data.length);
    for (let p = 0; p < mono8.length; p++) {
      const heat = Math.round(mono8[p] * options.opacity);
      for (let c = 0; c < 3; c++)
        data[p * 3 + c] = Math.round(frame.data[p * 3 + c] * (1 - options.opacity)) + heat;
    }
    return { width: frame.width, height: frame.height, data };
  },
  mapMaskToMono8: (mask, spec, frameWidth, frameHeight, into) => {
    const levels = mapMaskToFrame(mask, spec, frameWidth, frameHeight).data;
    const out = into ?? new Uint8Array(levels.length);
    for (let i = 0; i < levels.length; i++) out[i] = Math.round(levels[i] * 255);
    return out;
  },
};

/** A uniform rgb8 camera image; `red` / 255 becomes the stub engine's curvature. */
export function rgbImage(options: {
  width?: number;
  height?: number;
  red?: number;
  sec?: number;
  nanosec?: number;
  frameId?: string;
}): ImageMsg {
  const width = options.width ?? 16;
  const height = options.height ?? 8;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[p * 3] = options.red ?? 51;
    data[p * 3 + 1] = 100;
    data[p * 3 + 2] = 150;
  }
  return {
    header: {
      stamp: { sec: options.sec ?? 1, nanosec: options.nanosec ?? 0 },
      frame_id: options.frameId ?? "camera_optical",
    },
    height,
    width,
    encoding: "rgb8",
    is_bigendian: 0,
    step: width * 3,
    data,
  };
}
