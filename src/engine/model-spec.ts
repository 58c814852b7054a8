import * as fs from "node:fs";
import * as path from "node:path";
import { FULL_FRAME, PreprocessSpec, specChannels, validatePreprocessSpec } from "../image/preprocess";
import { parseOnnxModel } from "../onnx/onnx-model";

/** A model and how to feed it: read from `<model>.json` beside the `.onnx`, so the package configures itself. */
export interface ModelSpec {
  readonly name: string;
  readonly modelPath: string;
  readonly input: string;
  /** The output that carries the steering prediction. */
  readonly output: string;
  readonly outputUnits?: string;
  readonly preprocess: PreprocessSpec;
  /** The camera frame size the model was trained on, when known. */
  readonly frame?: { readonly width: number; readonly height: number };
}

/** Path of the spec file that belongs to a model file. */
export function specPathFor(modelPath: string): string {
  return path.join(path.dirname(modelPath), `${path.basename(modelPath, path.extname(modelPath))}.json`);
}

/**
 * Reads the model's spec file; without one, derives a plain spec from the model itself (whole
 * frame, RGB, or grey for one channel, NCHW, values 0..255) so any single-input CNN works out of
 * the box.
 */
export function loadModelSpec(modelPath: string): ModelSpec {
  if (!fs.existsSync(modelPath)) throw new Error(`model '${modelPath}' does not exist`);
  const specPath = specPathFor(modelPath);
  const name = path.basename(modelPath, path.extname(modelPath));
  if (!fs.existsSync(specPath)) return defaultSpec(modelPath, name);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(specPath, "utf8"));
  } catch (error) {
    throw new Error(`model spec '${specPath}' is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof raw !== "object" || raw === null)
    throw new Error(`model spec '${specPath}': expected a JSON object`);
  const obj = raw as Record<string, unknown>;
  const need = (key: string): string => {
    const v = obj[key];
    if (typeof v !== "string" || v === "")
      throw new Error(`model spec '${specPath}': '${key}' must be a non-empty string`);
    return v;
  };
  const preprocess = validatePreprocessSpec(
    obj.preprocess as PreprocessSpec,
    `model spec '${specPath}': preprocess`,
  );
  const frame = obj.frame as ModelSpec["frame"];
  if (
    frame !== undefined &&
    !(
      Number.isInteger(frame?.width) &&
      Number.isInteger(frame?.height) &&
      frame.width > 0 &&
      frame.height > 0
    )
  ) {
    throw new Error(
      `model spec '${specPath}': 'frame' must be {"width": W, "height": H} in pixels, got ${JSON.stringify(frame)}`,
    );
  }
  return {
    name: typeof obj.name === "string" ? obj.name : name,
    modelPath,
    input: need("input"),
    output: need("output"),
    outputUnits: typeof obj.outputUnits === "string" ? obj.outputUnits : undefined,
    preprocess,
    frame,
  };
}

function defaultSpec(modelPath: string, name: string): ModelSpec {
  const model = parseOnnxModel(fs.readFileSync(modelPath), `model '${modelPath}'`);
  const input = model.graph.inputs[0];
  const shape = input?.shape;
  if (input === undefined || shape === undefined || shape.length !== 4) {
    throw new Error(
      `model '${modelPath}': expected one 4-D (N, C, H, W) input to derive a preprocessing spec`,
    );
  }
  const [, channels, height, width] = shape;
  if ((channels !== 3 && channels !== 1) || typeof height !== "number" || typeof width !== "number") {
    throw new Error(
      `model '${modelPath}': input '${input.name}' has shape [${shape.join(", ")}]; without a spec file ` +
        `('${specPathFor(modelPath)}') only 1- or 3-channel inputs of fixed size can be fed from images ` +
        `(a .npy tensor is fed as it is)`,
    );
  }
  return {
    name,
    modelPath,
    input: input.name,
    output: model.graph.outputs[0]?.name ?? "",
    preprocess: {
      crop: FULL_FRAME,
      width,
      height,
      colorSpace: channels === 1 ? "grey" : "rgb",
      layout: "nchw",
      scale: 1,
      bias: 0,
    },
  };
}

/**
 * Why a spec cannot feed a model whose input is (channels, height, width), or undefined when it
 * can: the spec's colour space decides the channel count (grey 1, the others 3).
 */
export function specModelMismatch(
  spec: ModelSpec,
  input: { channels: number; height: number; width: number },
): string | undefined {
  const { preprocess } = spec;
  if (preprocess.width !== input.width || preprocess.height !== input.height)
    return `the spec preprocesses to ${preprocess.width}x${preprocess.height}, the model takes ${input.width}x${input.height}`;
  const channels = specChannels(preprocess);
  if (channels !== input.channels) {
    return (
      `the spec's colorSpace "${preprocess.colorSpace}" makes ${channels} channel${channels === 1 ? "" : "s"}, ` +
      `the model takes ${input.channels}` +
      (input.channels === 1 ? ' (use "colorSpace": "grey" for a single-channel model)' : "")
    );
  }
  return undefined;
}

/** How far apart two aspect ratios may be before a frame is said not to match the spec's. */
export const ASPECT_TOLERANCE = 0.1;

/**
 * A warning when a frame's aspect ratio differs from the spec's camera frame by more than 10 %:
 * the crop is given as fractions of that frame, so on another shape it cuts another part of the
 * scene. Undefined when it matches or the spec names no frame.
 */
export function aspectWarning(
  spec: Pick<ModelSpec, "name" | "frame">,
  width: number,
  height: number,
): string | undefined {
  if (spec.frame === undefined) return undefined;
  const expected = spec.frame.width / spec.frame.height;
  const actual = width / height;
  if (Math.abs(actual / expected - 1) <= ASPECT_TOLERANCE) return undefined;
  return (
    `a ${width}x${height} frame has aspect ratio ${actual.toFixed(3)}, the model '${spec.name}' was made for ` +
    `${spec.frame.width}x${spec.frame.height} (${expected.toFixed(3)}); its crop assumes that shape, so ` +
    `the masks may show another part of the scene than intended`
  );
}
