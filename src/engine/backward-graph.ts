import { OnnxDim } from "../onnx/onnx-model";
import { BackwardBuilder } from "./backward-builder";
import { ItemShape, LayerChain } from "./chain-layers";

export interface BackwardGraphOptions {
  /** Which value of the model's output vector the map explains (default 0). */
  readonly outputIndex?: number;
  /** Also output every tensor the layers read or write: the reference tests feed them to the references. */
  readonly activations?: boolean;
  /** Also output the raw (unnormalised) backward tensor at each layer's input: conservation and finite-difference tests. */
  readonly traces?: boolean;
}

/** The backward tensor at the input of `layer` (the chain's output when `layer` is the layer count). */
export interface TraceOutput {
  readonly layer: number;
  readonly tensor: string;
}

export interface BackwardGraph {
  /** The rewritten model, ready for an InferenceSession. */
  readonly bytes: Uint8Array;
  /** (N, 1, H, W) at input resolution, in [0, 1]. */
  readonly maskOutput: string;
  readonly activationOutputs: readonly string[];
  /** Output end first, input last; empty unless asked for. */
  readonly traceOutputs: readonly TraceOutput[];
}

/** Records the traces and activations asked for, as graph outputs, and emits the model. */
export class BackwardOutputs {
  readonly #b: BackwardBuilder;
  readonly #chain: LayerChain;
  readonly #options: BackwardGraphOptions;
  readonly #traces: TraceOutput[] = [];

  constructor(b: BackwardBuilder, chain: LayerChain, options: BackwardGraphOptions) {
    this.#b = b;
    this.#chain = chain;
    this.#options = options;
  }

  #shape(item: ItemShape): OnnxDim[] {
    return [this.#chain.input.batchDim, ...item];
  }

  trace(layer: number, tensor: string): void {
    if (!this.#options.traces) return;
    const { layers, output } = this.#chain;
    this.#b.output(tensor, this.#shape(layer === layers.length ? [output.width] : layers[layer].inShape));
    this.#traces.push({ layer, tensor });
  }

  /** Adds the mask output and returns the whole graph. */
  finish(mask: string): BackwardGraph {
    const { input } = this.#chain;
    this.#b.output(mask, [input.batchDim, 1, input.shape[1], input.shape[2]]);
    const activationOutputs: string[] = [];
    if (this.#options.activations) {
      for (const layer of this.#chain.layers) {
        for (const [name, shape] of [
          [layer.input, layer.inShape],
          [layer.output, layer.outShape],
        ] as const) {
          if (name === input.name || activationOutputs.includes(name)) continue;
          this.#b.output(name, this.#shape(shape));
          activationOutputs.push(name);
        }
      }
    }
    return { bytes: this.#b.finish(), maskOutput: mask, activationOutputs, traceOutputs: this.#traces };
  }
}

/** One-hot (1, K) row selecting the explained output value. */
export function oneHotRow(b: BackwardBuilder, chain: LayerChain, index: number): string {
  const width = chain.output.width;
  const row = new Float32Array(width);
  row[index] = 1;
  return b.floats(`one_hot_${width}_${index}`, [1, width], row);
}
