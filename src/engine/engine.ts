import * as fs from "node:fs";
import { performance } from "node:perf_hooks";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { OnnxModel, parseOnnxModel } from "../onnx/onnx-model";
import { openSession, readableOrtMessage } from "./providers";
import { VbpPlan } from "./trunk";
import { addSaliency, SaliencyGraph } from "./method-graph";
import { ImageInput } from "./model-graph";
import {
  EngineResult,
  LayerMask,
  OutputTensor,
  ProviderName,
  LrpPoint,
  SaliencyMethod,
  SessionSettings,
} from "./types";
import { VbpGraph } from "./vbp-graph";

type Ort = typeof import("onnxruntime-node");

export interface EngineOptions extends SessionSettings {
  /** The ONNX model file. */
  readonly modelPath?: string;
  /** The model's bytes, instead of a file (tests build models in memory). */
  readonly modelBytes?: Uint8Array;
  /**
   * Also return the feature maps (activation outputs) in `outputs`: the reference tests use them.
   * For `lrp` and `gradient`, every tensor their backward pass reads.
   */
  readonly featureMaps?: boolean;
  /** Which map `masks` holds: `vbp` (VisualBackProp, the default), `lrp` (epsilon rule) or `gradient`. */
  readonly method?: SaliencyMethod;
  /** LRP's epsilon (default 1e-4, DEFAULT_EPSILON). */
  readonly epsilon?: number;
  /** Where LRP's relevance is measured (default `input`; see LrpPoint). */
  readonly lrpAt?: LrpPoint;
  /** For `lrp` and `gradient`: which value of the model's output vector to explain (default 0). */
  readonly outputIndex?: number;
}

export interface RunOptions {
  /** Also return the intermediate masks (the paper's per-layer pictures), normalised per image. */
  readonly layerMasks?: boolean;
}

/** A model's outputs from a plain forward pass, without VisualBackProp: the bench's baseline. */
export interface ForwardResult {
  readonly outputs: Readonly<Record<string, OutputTensor>>;
  readonly runMs: number;
}

let ortModule: Ort | undefined;

/**
 * ONNX Runtime's process-wide log level, read once when its first session is created: warnings
 * (a provider's fallback notes, Dawn's adapter messages with C++ source lines) only with --verbose;
 * our own lines say what a user needs.
 */
function setNativeLogLevel(verbose: boolean): void {
  // onnxruntime-common starts at "warning"; after the first session this no longer changes anything.
  ort().env.logLevel = verbose ? "warning" : "error";
}
function ort(): Ort {
  // Loaded on first use: importing the package (message builders, bag tools) must not load native code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy
  ortModule ??= require("onnxruntime-node") as Ort;
  return ortModule;
}

/**
 * Runs a steering CNN and VisualBackProp in one ONNX Runtime session: one `run` returns the model's
 * outputs unchanged plus a mask per image at input resolution.
 */
export class Engine {
  readonly #model: OnnxModel;
  readonly #input: ImageInput;
  readonly #plan: VbpPlan | undefined;
  readonly #graph: VbpGraph;
  readonly #session: InferenceSession;
  readonly #provider: ProviderName;
  readonly #settings: EngineOptions;
  readonly #name: string;
  #forwardSession: Promise<InferenceSession> | undefined;

  private constructor(
    model: OnnxModel,
    { input, plan, graph }: SaliencyGraph,
    session: InferenceSession,
    provider: ProviderName,
    settings: EngineOptions,
    name: string,
  ) {
    this.#model = model;
    this.#input = input;
    this.#plan = plan;
    this.#graph = graph;
    this.#session = session;
    this.#provider = provider;
    this.#settings = settings;
    this.#name = name;
  }

  /** Loads, checks and rewrites the model and opens its session. Errors name the file and the problem. */
  static async create(options: EngineOptions): Promise<Engine> {
    const name = options.modelPath ?? "in-memory model";
    let bytes = options.modelBytes;
    if (bytes === undefined) {
      if (options.modelPath === undefined) throw new Error("engine: give modelPath or modelBytes");
      if (!fs.existsSync(options.modelPath)) throw new Error(`model '${options.modelPath}' does not exist`);
      bytes = fs.readFileSync(options.modelPath);
    }
    const model = parseOnnxModel(bytes, `model '${name}'`);
    const saliency = addSaliency(model, options);
    const { graph } = saliency;
    const settings: EngineOptions = { ...options };
    const log = options.log ?? ((line: string) => console.warn(line));
    const graphBytes = graph.bytes;
    setNativeLogLevel(options.verbose !== undefined);
    const { session, provider } = await openSession(
      (providers) => createSession(graphBytes, providers, settings, name),
      options.provider ?? "auto",
      log,
      undefined,
      options.verbose,
    );
    return new Engine(model, saliency, session, provider, settings, name);
  }

  /** The saliency method whose map `run` returns as `masks`. */
  get method(): SaliencyMethod {
    return this.#settings.method ?? "vbp";
  }

  /** The execution provider the session actually runs on. */
  get provider(): ProviderName {
    return this.#provider;
  }

  get inputName(): string {
    return this.#input.name;
  }

  get inputShape(): { channels: number; height: number; width: number } {
    const { channels, height, width } = this.#input;
    return { channels, height, width };
  }

  /** The model's own outputs, in the model's order. */
  get outputNames(): readonly string[] {
    return this.#model.graph.outputs.map((o) => o.name);
  }

  /** VisualBackProp's feature maps and geometry, shallowest first (other methods have none). */
  get plan(): VbpPlan {
    if (this.#plan === undefined) throw new Error(`engine: method ${this.method} has no VisualBackProp plan`);
    return this.#plan;
  }

  /** Names of the feature map tensors returned in `outputs` when created with `featureMaps: true`. */
  get featureMapOutputs(): readonly string[] {
    return this.#graph.featureMapOutputs;
  }

  /**
   * Runs a batch: `input` holds `batch` images in the model's layout (N, C, H, W), float32.
   * One session run returns the model's outputs and the masks.
   */
  async run(input: Float32Array, batch: number, options: RunOptions = {}): Promise<EngineResult> {
    const feeds = this.#feeds(input, batch);
    if (options.layerMasks && this.#graph.layerOutputs.length === 0) {
      throw new Error(
        `engine: layer masks exist for method 'vbp' only; this engine computes '${this.method}'`,
      );
    }
    const fetches = [...this.outputNames, this.#graph.maskOutput, ...this.#graph.featureMapOutputs];
    if (options.layerMasks) fetches.push(...this.#graph.layerOutputs.map((l) => l.output));
    const start = performance.now();
    const results = await this.#session.run(feeds, fetches);
    const runMs = performance.now() - start;
    const { height, width } = this.#input;
    const layerMasks: LayerMask[] | undefined = options.layerMasks
      ? this.#graph.layerOutputs.map((l) => ({
          layer: l.layer,
          height: l.height,
          width: l.width,
          data: normalisePerImage(results[l.output].data as Float32Array, batch),
        }))
      : undefined;
    return {
      outputs: this.#pick(results, [...this.outputNames, ...this.#graph.featureMapOutputs]),
      batch,
      height,
      width,
      masks: results[this.#graph.maskOutput].data as Float32Array,
      layerMasks,
      runMs,
    };
  }

  /** The unmodified model alone, on a second session with the same settings (opened on first use). */
  async forward(input: Float32Array, batch: number): Promise<ForwardResult> {
    const feeds = this.#feeds(input, batch);
    this.#forwardSession ??= createSession(this.#model.bytes, [this.#provider], this.#settings, this.#name);
    const session = await this.#forwardSession;
    const start = performance.now();
    const results = await session.run(feeds);
    const runMs = performance.now() - start;
    return { outputs: this.#pick(results, this.outputNames), runMs };
  }

  async release(): Promise<void> {
    await this.#session.release();
    if (this.#forwardSession !== undefined) await (await this.#forwardSession).release();
  }

  #feeds(input: Float32Array, batch: number): Record<string, Tensor> {
    const { channels, height, width } = this.#input;
    if (!Number.isInteger(batch) || batch < 1)
      throw new Error(`engine: batch must be a positive integer, got ${batch}`);
    const perImage = channels * height * width;
    if (!(input instanceof Float32Array) || input.length !== batch * perImage) {
      throw new Error(
        `input tensor: expected shape (${batch}, ${channels}, ${height}, ${width}) = ${batch * perImage} float32 values, ` +
          `got ${input instanceof Float32Array ? input.length : typeof input} values`,
      );
    }
    return {
      [this.#input.name]: new (ort().Tensor)("float32", input, [batch, channels, height, width]),
    };
  }

  #pick(results: InferenceSession.OnnxValueMapType, names: readonly string[]): Record<string, OutputTensor> {
    const picked: Record<string, OutputTensor> = {};
    for (const name of names) {
      const tensor = results[name];
      if (tensor.type !== "float32")
        throw new Error(`engine: output '${name}' is ${tensor.type}, expected float32`);
      picked[name] = { dims: tensor.dims, data: tensor.data as Float32Array };
    }
    return picked;
  }
}

async function createSession(
  bytes: Uint8Array,
  providers: ProviderName[],
  settings: SessionSettings,
  name: string,
): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: settings.graphOptimizationLevel ?? "all",
    intraOpNumThreads: settings.intraOpThreads ?? 0,
    interOpNumThreads: settings.interOpThreads ?? 0,
    executionMode: "sequential",
    logSeverityLevel: settings.verbose !== undefined ? 2 : 3,
    // Session config entry session.intra_op.allow_spinning.
    ...(settings.spinWait === false ? { extra: { session: { intra_op: { allow_spinning: "0" } } } } : {}),
  };
  try {
    return await ort().InferenceSession.create(bytes, options);
  } catch (error) {
    throw new Error(
      `ONNX Runtime could not load '${name}' on ${providers.join(", ")}: ${readableOrtMessage((error as Error).message)}`,
      {
        cause: error,
      },
    );
  }
}

/** Min-max normalisation of each of `batch` equally long images to [0, 1]; constant images become 0. */
export function normalisePerImage(values: Float32Array, batch: number): Float32Array {
  const out = new Float32Array(values.length);
  const size = values.length / batch;
  for (let n = 0; n < batch; n++) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = n * size; i < (n + 1) * size; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
    const range = max - min;
    if (range > 0) for (let i = n * size; i < (n + 1) * size; i++) out[i] = (values[i] - min) / range;
  }
  return out;
}
