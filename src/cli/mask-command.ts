import * as fs from "node:fs";
import * as path from "node:path";
import { Engine } from "../engine/engine";
import { loadModelSpec, ModelSpec } from "../engine/model-spec";
import { ProviderChoice, SALIENCY_METHODS, SaliencyMethod } from "../engine/types";
import { COLOR_MAPS, ColorMap } from "../image/colormap";
import { FloatImage, RgbFrame } from "../image/frame";
import { encodePng, readImageFile } from "../image/image-file";
import { maskToMono8, renderOverlay } from "../image/overlay";
import { mapMaskToFrame, preprocess } from "../image/preprocess";
import { tensorToFrame } from "../image/tensor-image";
import { encodeNpy, parseNpy } from "../npy";
import { colorMapOption, integerOption, opacityOption, providerOption, parseCommandLine } from "./options";
import { OutputGuard } from "./output-guard";
import { DEFAULT_MODEL } from "./package-paths";
import { UsageError } from "./usage-error";

export const MASK_USAGE = `usage: visualbackprop mask [options] INPUT...

Computes VisualBackProp masks (or, with --method, LRP-epsilon or input-gradient maps). An INPUT is
an image (PNG or JPEG), preprocessed as the model's spec file says, or a .npy float32 tensor
(N, C, H, W) fed as it is.

options:
  --model FILE      ONNX model (default: the package's models/pilotnet.onnx)
  --out DIR         where to write <stem>.mask.png and <stem>.overlay.png (required)
  --provider P      cpu, cuda, tensorrt, webgpu or auto (default auto)
  --method M        vbp (VisualBackProp), lrp (LRP-epsilon) or gradient (default vbp)
  --epsilon E       LRP's epsilon, > 0 (default 1e-6)
  --batch N         images per engine run (default 8)
  --colormap M      ${COLOR_MAPS.join(", ")} (default jet)
  --opacity A       heat map weight in the overlay, 0..1 (default 0.5)
  --threads N       ONNX Runtime intra-op threads, 0 = its choice (default 0)
  --layers          also write the intermediate masks, <stem>.layer<K>.png (deepest is 0; vbp only)
  --force           overwrite existing output files (inputs are never overwritten)
`;

interface MaskOptions {
  readonly model: string;
  readonly out: string;
  readonly provider: ProviderChoice;
  readonly method: SaliencyMethod;
  readonly epsilon: number | undefined;
  readonly batch: number;
  readonly colorMap: ColorMap;
  readonly opacity: number;
  readonly threads: number;
  readonly layers: boolean;
  readonly force: boolean;
  readonly inputs: readonly string[];
}

/** One image to explain, with what its outputs are called and what to draw the overlay on. */
interface Item {
  readonly input: string;
  readonly index: number;
  readonly stem: string;
  readonly tensor: Float32Array;
  /** What the overlay is drawn on: the original image, or the tensor turned back into pixels. */
  readonly picture: RgbFrame;
  /** Whether the picture is the camera image (mask mapped back through crop and resize). */
  readonly fromImage: boolean;
}

export function parseMaskArgs(argv: readonly string[]): MaskOptions {
  const parsed = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    options: {
      model: { type: "string", default: DEFAULT_MODEL },
      out: { type: "string" },
      provider: { type: "string", default: "auto" },
      method: { type: "string", default: "vbp" },
      epsilon: { type: "string" },
      batch: { type: "string", default: "8" },
      colormap: { type: "string", default: "jet" },
      opacity: { type: "string", default: "0.5" },
      threads: { type: "string", default: "0" },
      layers: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
    },
  });
  const v = parsed.values;
  if (v.out === undefined) throw new UsageError("--out DIR is required");
  if (parsed.positionals.length === 0)
    throw new UsageError("give at least one INPUT (an image or a .npy tensor)");
  const opacity = opacityOption(v.opacity as string);
  const colorMap = colorMapOption(v.colormap as string);
  const provider = providerOption(v.provider as string);
  if (!SALIENCY_METHODS.includes(v.method as SaliencyMethod)) {
    throw new UsageError(`--method: expected ${SALIENCY_METHODS.join(", ")}, got '${v.method}'`);
  }
  const epsilon = v.epsilon === undefined ? undefined : Number(v.epsilon);
  if (epsilon !== undefined && !(epsilon > 0 && Number.isFinite(epsilon)))
    throw new UsageError(`--epsilon: expected a positive number, got '${v.epsilon}'`);
  if (epsilon !== undefined && v.method !== "lrp")
    throw new UsageError("--epsilon applies to --method lrp only");
  if (v.layers && v.method !== "vbp") throw new UsageError("--layers exists for --method vbp only");
  return {
    model: v.model as string,
    out: v.out,
    provider,
    method: v.method as SaliencyMethod,
    epsilon,
    batch: integerOption("batch", v.batch as string, 1),
    colorMap,
    opacity,
    threads: integerOption("threads", v.threads as string, 0),
    layers: v.layers as boolean,
    force: v.force as boolean,
    inputs: parsed.positionals,
  };
}

/** `visualbackprop mask`: writes masks and overlays, one JSON line per image on stdout. */
export async function runMask(
  argv: readonly string[],
  stdout: (line: string) => void,
  log: (line: string) => void,
): Promise<void> {
  const options = parseMaskArgs(argv);
  const spec = loadModelSpec(options.model);
  const engine = await Engine.create({
    modelPath: options.model,
    provider: options.provider,
    method: options.method,
    epsilon: options.epsilon,
    intraOpThreads: options.threads,
    log,
  });
  try {
    const items = await loadItems(options.inputs, engine, spec);
    fs.mkdirSync(options.out, { recursive: true });
    const guard = new OutputGuard(options.inputs, options.force);
    const out = (name: string) => guard.claim(path.join(options.out, name));
    // Claim every output before computing anything, so a clash fails fast and writes nothing.
    const files = items.map((item) => ({
      mask: out(`${item.stem}.mask.png`),
      overlay: out(`${item.stem}.overlay.png`),
      layers: options.layers ? engine.plan.featureMaps.map((_, k) => out(`${item.stem}.layer${k}.png`)) : [],
    }));
    const npyFiles = new Map<string, string>();
    for (const input of new Set(items.filter((i) => !i.fromImage).map((i) => i.input))) {
      npyFiles.set(input, out(`${path.basename(input, ".npy")}.mask.npy`));
    }
    const { height, width } = engine.inputShape;
    const masksByInput = new Map<string, Float32Array[]>();
    const perImage = items.length === 0 ? 0 : items[0].tensor.length;
    for (let start = 0; start < items.length; start += options.batch) {
      const chunk = items.slice(start, start + options.batch);
      const input = new Float32Array(chunk.length * perImage);
      chunk.forEach((item, i) => input.set(item.tensor, i * perImage));
      const forward = await engine.forward(input, chunk.length);
      const result = await engine.run(input, chunk.length, { layerMasks: options.layers });
      const forwardMs = forward.runMs / chunk.length;
      const vbpMs = Math.max(0, result.runMs - forward.runMs) / chunk.length;
      for (let i = 0; i < chunk.length; i++) {
        const item = chunk[i];
        const written = files[start + i];
        const mask: FloatImage = {
          width,
          height,
          data: result.masks.slice(i * height * width, (i + 1) * height * width),
        };
        if (!item.fromImage)
          masksByInput.set(item.input, [...(masksByInput.get(item.input) ?? []), mask.data]);
        const shown = item.fromImage
          ? mapMaskToFrame(mask, spec.preprocess, item.picture.width, item.picture.height)
          : mask;
        guard.write(written.mask, await encodePng(maskToMono8(shown), shown.width, shown.height, 1));
        const overlay = renderOverlay(item.picture, shown, {
          colorMap: options.colorMap,
          opacity: options.opacity,
        });
        guard.write(written.overlay, await encodePng(overlay.data, overlay.width, overlay.height, 3));
        for (const [k, layer] of (result.layerMasks ?? []).entries()) {
          const plane = layer.height * layer.width;
          const data = layer.data.slice(i * plane, (i + 1) * plane);
          guard.write(
            written.layers[k],
            await encodePng(
              maskToMono8({ width: layer.width, height: layer.height, data }),
              layer.width,
              layer.height,
              1,
            ),
          );
        }
        const outputs: Record<string, number[]> = {};
        for (const [name, tensor] of Object.entries(result.outputs)) {
          const size = tensor.data.length / chunk.length;
          outputs[name] = Array.from(tensor.data.subarray(i * size, (i + 1) * size));
        }
        stdout(
          JSON.stringify({
            input: item.input,
            index: item.index,
            outputs,
            provider: engine.provider,
            forwardMs: round(forwardMs),
            method: engine.method,
            // The saliency's added time: `visualbackpropMs` as before, `lrpMs` or `gradientMs`.
            [engine.method === "vbp" ? "visualbackpropMs" : `${engine.method}Ms`]: round(vbpMs),
            mask: written.mask,
            overlay: written.overlay,
          }),
        );
      }
    }
    for (const [input, masks] of masksByInput) {
      const data = new Float32Array(masks.length * height * width);
      masks.forEach((m, i) => data.set(m, i * height * width));
      guard.write(npyFiles.get(input) as string, encodeNpy({ shape: [masks.length, height, width], data }));
    }
  } finally {
    await engine.release();
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Reads and checks every input before anything is written. */
async function loadItems(inputs: readonly string[], engine: Engine, spec: ModelSpec): Promise<Item[]> {
  const { channels, height, width } = engine.inputShape;
  const items: Item[] = [];
  for (const input of inputs) {
    if (!fs.existsSync(input)) throw new Error(`input '${input}' does not exist`);
    if (input.toLowerCase().endsWith(".npy")) {
      const array = parseNpy(fs.readFileSync(input), `tensor '${input}'`);
      const [n, c, h, w] = array.shape;
      if (
        array.shape.length !== 4 ||
        c !== channels ||
        h !== height ||
        w !== width ||
        !(array.data instanceof Float32Array)
      ) {
        throw new Error(
          `tensor '${input}' has shape (${array.shape.join(", ")}) of ${array.data.constructor.name}; ` +
            `expected float32 (N, ${channels}, ${height}, ${width})`,
        );
      }
      const per = c * h * w;
      for (let i = 0; i < n; i++) {
        const tensor = array.data.slice(i * per, (i + 1) * per);
        const picture = tensorToFrame(
          tensor,
          c,
          h,
          w,
          spec.input === engine.inputName ? spec.preprocess : undefined,
        );
        items.push({
          input,
          index: i,
          stem: `${path.basename(input, path.extname(input))}_${i}`,
          tensor,
          picture,
          fromImage: false,
        });
      }
    } else {
      if (channels !== 3)
        throw new Error(
          `image '${input}': the model takes ${channels} channels, images give 3; pass a .npy tensor`,
        );
      const frame = await readImageFile(input);
      const tensor = preprocess(frame, { ...spec.preprocess, width, height });
      items.push({
        input,
        index: 0,
        stem: path.basename(input, path.extname(input)),
        tensor,
        picture: frame,
        fromImage: true,
      });
    }
  }
  return items;
}
