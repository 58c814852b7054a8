/**
 * The analysis every saliency method starts from: the model's one image input, checked once; its
 * constants (initializers and Constant nodes); who consumes each computed tensor; and the checks
 * for branches. VisualBackProp's trunk (`trunk.ts`) and the layer chain of LRP and the gradient
 * (`layer-chain.ts`) are both built from it, with the same node parsing (`node-geometry.ts`).
 */
import type { OnnxDim, OnnxModel, OnnxNode, OnnxTensor } from "../onnx/onnx-model";
import { UnsupportedModelError, fail } from "./unsupported-model";

/** The model's image input: (N, C, H, W) float32 with fixed C, H and W. */
export interface ImageInput {
  readonly name: string;
  readonly batchDim: OnnxDim;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** Constant tensors by name: initializers and Constant nodes. */
export class Constants {
  readonly #tensors = new Map<string, OnnxTensor>();

  constructor(model: OnnxModel) {
    for (const [name, tensor] of model.graph.initializers) this.#tensors.set(name, tensor);
    for (const node of model.graph.nodes) {
      const value = node.attributes.get("value");
      if (node.opType === "Constant" && typeof value === "object" && "dims" in value) {
        this.#tensors.set(node.outputs[0], value);
      }
    }
  }

  has(name: string): boolean {
    return this.#tensors.has(name);
  }

  dims(name: string): readonly number[] | undefined {
    return this.#tensors.get(name)?.dims;
  }

  floats(node: OnnxNode, name: string, what: string): { data: Float32Array; dims: readonly number[] } {
    const tensor = this.#tensors.get(name);
    if (tensor?.floatData === undefined) {
      throw fail(node, `its ${what} '${name}' is not a float32 constant the engine can read`);
    }
    return { data: tensor.floatData, dims: tensor.dims };
  }

  ints(name: string): readonly number[] | undefined {
    return this.#tensors.get(name)?.intData;
  }
}

/** The model as the methods walk it, from its input forwards. */
export class ModelGraph {
  readonly model: OnnxModel;
  readonly input: ImageInput;
  readonly constants: Constants;
  readonly #consumers = new Map<string, OnnxNode[]>();

  /** Checks the input (naming `method` in the refusal) and indexes the graph. */
  constructor(model: OnnxModel, method: string) {
    this.model = model;
    refuseExternalData(model);
    this.input = imageInput(model, method);
    this.constants = new Constants(model);
    for (const node of model.graph.nodes) {
      for (const name of new Set(node.inputs)) {
        if (name === "" || this.constants.has(name)) continue;
        const list = this.#consumers.get(name) ?? [];
        list.push(node);
        this.#consumers.set(name, list);
      }
    }
  }

  /** The nodes that read a computed tensor. */
  consumers(tensor: string): readonly OnnxNode[] {
    return this.#consumers.get(tensor) ?? [];
  }

  /** Refuses a node that combines `tensor` with another computed tensor (a branch joining). */
  checkSingleInput(node: OnnxNode, tensor: string, hint: string): void {
    for (const other of node.inputs) {
      if (other !== tensor && other !== "" && !this.constants.has(other)) {
        throw fail(node, `combines '${tensor}' with '${other}', which the graph computes; ${hint}`);
      }
    }
  }

  /** Whether a convolution is reachable from `tensor`. */
  convolutionDownstream(tensor: string): boolean {
    const seen = new Set<string>();
    const stack = [tensor];
    while (stack.length > 0) {
      const t = stack.pop() as string;
      for (const node of this.consumers(t)) {
        if (node.opType === "Conv" || node.opType === "ConvTranspose") return true;
        for (const out of node.outputs) {
          if (!seen.has(out)) {
            seen.add(out);
            stack.push(out);
          }
        }
      }
    }
    return false;
  }
}

function imageInput(model: OnnxModel, method: string): ImageInput {
  const { inputs } = model.graph;
  if (inputs.length !== 1) {
    throw new UnsupportedModelError(
      `the model has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(", ")}); ` +
        `${method} needs exactly one image input`,
    );
  }
  const input = inputs[0];
  const shape = input.shape;
  if (shape === undefined || shape.length !== 4) {
    throw new UnsupportedModelError(
      `input '${input.name}' has ${shape === undefined ? "no shape" : `${shape.length} dimensions`}; ` +
        `expected a 4-D image tensor (N, C, H, W)`,
    );
  }
  const [batchDim, channels, height, width] = shape;
  if (typeof channels !== "number" || typeof height !== "number" || typeof width !== "number") {
    throw new UnsupportedModelError(
      `input '${input.name}' has shape [${shape.join(", ")}]; channels, height and width must be fixed sizes`,
    );
  }
  if (input.elemType !== 1) {
    throw new UnsupportedModelError(
      `input '${input.name}' is not float32 (ONNX element type ${input.elemType})`,
    );
  }
  return { name: input.name, batchDim, channels, height, width };
}

/**
 * The engine hands ONNX Runtime the model's bytes, not a file beside its weights, so weights kept
 * in an external file cannot load; say so before anything else fails less clearly.
 */
function refuseExternalData(model: OnnxModel): void {
  for (const tensor of model.graph.initializers.values()) {
    if (tensor.externalLocation !== undefined) {
      throw new UnsupportedModelError(
        `initializer '${tensor.name}' keeps its data in an external file ('${tensor.externalLocation}'); ` +
          `the engine loads a model from one file: save it with its weights inside ` +
          `(onnx.save_model(model, path, save_as_external_data=False))`,
      );
    }
  }
}
