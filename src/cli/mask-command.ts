import * as fs from "node:fs";
import * as path from "node:path";
import { Engine } from "../engine/engine";
import { firstNonFinite, multiIndex } from "../engine/finite";
import { loadModelSpec, ModelSpec, specModelMismatch, specPathFor } from "../engine/model-spec";
import { LrpPoint, ProviderChoice, SALIENCY_METHODS, SaliencyMethod } from "../engine/types";
import { COLOR_MAPS, ColorMap } from "../image/colormap";
import { FloatImage, RgbFrame } from "../image/frame";
import { encodePng, readImageFile } from "../image/image-file";
import { maskToMono8, renderOverlay } from "../image/overlay";
import { mapMaskToFrame, specChannels } from "../image/preprocess";
import { AspectWarning, prepareFrame } from "../frame/frame-path";
import { IMAGE_OPS } from "../frame/image-ops";
import { tensorToFrame } from "../image/tensor-image";
import { encodeNpy, parseNpy } from "../npy";
import {
  colorMapOption,
  integerOption,
  lrpAtOption,
  opacityOption,
  providerOption,
  parseCommandLine,
} from "./options";
import { OUTPUT_RECORD, OutputGuard } from "./output-guard";
import { DEFAULT_MODEL } from "./package-paths";
import { UsageError } from "./usage-error";

/** Runs before timing starts, so the first allocations and kernel choices are not measured. */
const TIMING_WARMUP = 2;
/** Timed runs per batch and session; the median is reported. */
const TIMING_REPEATS = 10;

export const MASK_USAGE = `usage: visualbackprop mask [options] INPUT...

Computes VisualBackProp masks (or, with --method, LRP-epsilon or input-gradient maps). An INPUT is
an image (PNG or JPEG), preprocessed as the model's spec file says, or a .npy float32 tensor
(N, C, H, W) fed as it is.

options:
  --model FILE      ONNX model (default: the package's models/pilotnet.onnx)
  --out DIR         where to write <stem>.mask.png and <stem>.overlay.png (required)
  --provider P      cpu, cuda, tensorrt, webgpu or auto (default auto)
  --method M        vbp (VisualBackProp), lrp (LRP-epsilon) or gradient (default vbp)
  --epsilon E       LRP's epsilon, > 0 (default 1e-4)
  --lrp-at P        where LRP's relevance is measured: input (the raw image, through the model's
                    input normalisation) or conv1 (the first convolution's input) (default input)
  --batch N         images per engine run (default 8)
  --colormap M      ${COLOR_MAPS.join(", ")} (default jet)
  --opacity A       heat map weight in the overlay, 0..1 (default 0.5)
  --threads N       ONNX Runtime intra-op threads, 0 = its choice (default 0)
  --layers          also write the intermediate masks, <stem>.layer<K>.png (deepest is 0; vbp only)
  --timing          also time each batch: the unmodified model and the model with the map, each
                    run warm (${TIMING_WARMUP} warm-up runs) ${TIMING_REPEATS} times, medians per image in the JSON
                    (forwardMs, visualbackpropMs / lrpMs / gradientMs); opens a second session
  --verbose         say which execution provider was chosen, and let ONNX Runtime's own warnings through
  --force           overwrite output files an earlier run wrote (listed in DIR/${OUTPUT_RECORD});
                    other files, and inputs, are never overwritten

A tensor holding NaN or infinity, or no images (N = 0), is refused (exit 1).
`;

interface MaskOptions {
  readonly model: string;
  readonly out: string;
  readonly provider: ProviderChoice;
  readonly method: SaliencyMethod;
  readonly epsilon: number | undefined;
  readonly lrpAt: LrpPoint | undefined;
  readonly batch: number;
  readonly colorMap: ColorMap;
  readonly opacity: number;
  readonly threads: number;
  readonly layers: boolean;
  readonly timing: boolean;
  readonly verbose: boolean;
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
      "lrp-at": { type: "string" },
      batch: { type: "string", default: "8" },
      colormap: { type: "string", default: "jet" },
      opacity: { type: "string", default: "0.5" },
      threads: { type: "string", default: "0" },
      layers: { type: "boolean", default: false },
      timing: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
    },
  });
  const v = parsed.values;
  if (v.out === undefined) throw new UsageError("--out DIR is required");
  if (parsed.positionals.length === 0)
    throw new UsageError("give at least one INPUT (an image or a .npy tensor)");
  const opacity = opacityOption(v.opacity);
  const colorMap = colorMapOption(v.colormap);
  const provider = providerOption(v.provider);
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
    model: v.model,
    out: v.out,
    provider,
    method: v.method as SaliencyMethod,
    epsilon,
    lrpAt: lrpAtOption(v["lrp-at"], v.method === "lrp"),
    batch: integerOption("batch", v.batch, 1),
    colorMap,
    opacity,
    threads: integerOption("threads", v.threads, 0),
    layers: v.layers,
    timing: v.timing,
    verbose: v.verbose,
    force: v.force,
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
  // Images need the spec; tensors are fed as they are and use it only to show the tensor as a picture.
  const hasImages = options.inputs.some((input) => !isTensorFile(input));
  const spec = hasImages ? loadModelSpec(options.model) : optionalSpec(options.model);
  const engine = await Engine.create({
    modelPath: options.model,
    provider: options.provider,
    method: options.method,
    epsilon: options.epsilon,
    lrpAt: options.lrpAt,
    intraOpThreads: options.threads,
    log,
    verbose: options.verbose ? log : undefined,
  });
  try {
    const items = await loadItems(options.inputs, engine, spec, log);
    if (fs.existsSync(options.out) && !fs.statSync(options.out).isDirectory())
      throw new Error(
        `--out '${options.out}' exists and is not a directory; give a directory for the outputs`,
      );
    const guard = new OutputGuard(options.out, options.inputs, options.force);
    const out = (name: string) => guard.claim(name);
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
    // Every batch is run and checked before the first file is written, so a run that fails (a
    // NaN in its last batch, say) leaves nothing behind.
    const explained = await explainAll(engine, items, options);
    const { height, width } = engine.inputShape;
    const masksByInput = new Map<string, Float32Array[]>();
    for (const [n, item] of items.entries()) {
      const { mask, layers, outputs, timing } = explained[n];
      const written = files[n];
      if (!item.fromImage) masksByInput.set(item.input, [...(masksByInput.get(item.input) ?? []), mask.data]);
      const shown =
        item.fromImage && spec !== undefined
          ? mapMaskToFrame(mask, spec.preprocess, item.picture.width, item.picture.height)
          : mask;
      guard.write(written.mask, await encodePng(maskToMono8(shown), shown.width, shown.height, 1));
      const overlay = renderOverlay(item.picture, shown, {
        colorMap: options.colorMap,
        opacity: options.opacity,
      });
      guard.write(written.overlay, await encodePng(overlay.data, overlay.width, overlay.height, 3));
      for (const [k, layer] of layers.entries()) {
        guard.write(written.layers[k], await encodePng(maskToMono8(layer), layer.width, layer.height, 1));
      }
      stdout(
        JSON.stringify({
          input: item.input,
          index: item.index,
          outputs,
          provider: engine.provider,
          method: engine.method,
          ...(timing === undefined
            ? {}
            : {
                forwardMs: timing.forwardMs,
                // The saliency's added time: `visualbackpropMs`, `lrpMs` or `gradientMs`.
                [engine.method === "vbp" ? "visualbackpropMs" : `${engine.method}Ms`]: timing.addedMs,
                timing: timing.how,
              }),
          mask: written.mask,
          overlay: written.overlay,
        }),
      );
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

/** What the engine said about one item, copied out of its batch's buffers. */
interface Explained {
  readonly mask: FloatImage;
  readonly layers: readonly FloatImage[];
  readonly outputs: Record<string, number[]>;
  readonly timing?: BatchTiming;
}

/**
 * Runs every item through the engine, `options.batch` at a time, and checks each result; throws,
 * naming the input, at the first NaN or infinite output or mask, before anything is written.
 */
async function explainAll(
  engine: Engine,
  items: readonly Item[],
  options: Pick<MaskOptions, "batch" | "layers" | "timing" | "model">,
): Promise<Explained[]> {
  const { height, width } = engine.inputShape;
  const plane = height * width;
  const perImage = items[0].tensor.length;
  const explained: Explained[] = [];
  for (let start = 0; start < items.length; start += options.batch) {
    const chunk = items.slice(start, start + options.batch);
    const input = new Float32Array(chunk.length * perImage);
    chunk.forEach((item, i) => input.set(item.tensor, i * perImage));
    const result = await engine.run(input, chunk.length, { layerMasks: options.layers });
    for (let i = 0; i < chunk.length; i++) {
      const bad = Object.entries(result.outputs).find(([, t]) => {
        const per = t.data.length / chunk.length;
        return firstNonFinite(t.data, i * per, (i + 1) * per) >= 0;
      });
      if (bad !== undefined || firstNonFinite(result.masks, i * plane, (i + 1) * plane) >= 0) {
        throw new Error(
          `model '${options.model}' gave a NaN or infinite ${bad !== undefined ? `output '${bad[0]}'` : "mask"} ` +
            `for '${chunk[i].input}'${chunk[i].fromImage ? "" : ` image ${chunk[i].index}`}, whose values are all finite ` +
            `(values too large for float32 arithmetic, or weights holding NaN or infinity)`,
        );
      }
    }
    const timing = options.timing ? await timeBatch(engine, input, chunk.length) : undefined;
    for (let i = 0; i < chunk.length; i++) {
      const outputs: Record<string, number[]> = {};
      for (const [name, tensor] of Object.entries(result.outputs)) {
        const size = tensor.data.length / chunk.length;
        outputs[name] = Array.from(tensor.data.subarray(i * size, (i + 1) * size));
      }
      explained.push({
        mask: { width, height, data: result.masks.slice(i * plane, (i + 1) * plane) },
        layers: (result.layerMasks ?? []).map((layer) => {
          const size = layer.height * layer.width;
          return {
            width: layer.width,
            height: layer.height,
            data: layer.data.slice(i * size, (i + 1) * size),
          };
        }),
        outputs,
        timing,
      });
    }
  }
  return explained;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A batch's times per image, ms, and how they were measured. */
interface BatchTiming {
  readonly forwardMs: number;
  readonly addedMs: number;
  readonly how: string;
}

/**
 * Times one batch: the unmodified model (a second session, opened on first use) against the
 * model with the map, warmed up, then alternated so both see the same load; medians per image.
 */
async function timeBatch(engine: Engine, input: Float32Array, batch: number): Promise<BatchTiming> {
  for (let i = 0; i < TIMING_WARMUP; i++) {
    await engine.forward(input, batch);
    await engine.run(input, batch);
  }
  const forward: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < TIMING_REPEATS; i++) {
    forward.push((await engine.forward(input, batch)).runMs);
    total.push((await engine.run(input, batch)).runMs);
  }
  const forwardMs = median(forward);
  return {
    forwardMs: round(forwardMs / batch),
    addedMs: round(Math.max(0, median(total) - forwardMs) / batch),
    how: `median of ${TIMING_REPEATS} runs after ${TIMING_WARMUP} warm-up, batch ${batch}, per image`,
  };
}

function isTensorFile(input: string): boolean {
  return input.toLowerCase().endsWith(".npy");
}

/** The model's spec when it has one or one can be derived; tensors need none. */
function optionalSpec(modelPath: string): ModelSpec | undefined {
  if (fs.existsSync(specPathFor(modelPath))) return loadModelSpec(modelPath);
  try {
    return loadModelSpec(modelPath);
  } catch {
    return undefined;
  }
}

/** Reads and checks every input before anything is written. */
async function loadItems(
  inputs: readonly string[],
  engine: Engine,
  spec: ModelSpec | undefined,
  log: (line: string) => void,
): Promise<Item[]> {
  const { channels, height, width } = engine.inputShape;
  const items: Item[] = [];
  const aspect = spec === undefined ? undefined : new AspectWarning(spec);
  for (const input of inputs) {
    if (!fs.existsSync(input)) throw new Error(`input '${input}' does not exist`);
    if (fs.statSync(input).isDirectory())
      throw new Error(`input '${input}' is a directory; give image or .npy files (a shell glob: DIR/*.png)`);
    if (fs.statSync(input).size === 0) throw new Error(`input '${input}' is empty (0 bytes)`);
    if (isTensorFile(input)) {
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
      if (n === 0) {
        throw new Error(
          `tensor '${input}' holds no images (shape (${array.shape.join(", ")})); expected N >= 1`,
        );
      }
      const bad = firstNonFinite(array.data);
      if (bad >= 0) {
        throw new Error(
          `tensor '${input}' holds ${array.data[bad]} at index [${multiIndex(bad, array.shape).join(", ")}] ` +
            `(the first non-finite value); the model would give NaN outputs and an empty mask. ` +
            `Fix or drop that image`,
        );
      }
      const per = c * h * w;
      const pictureSpec =
        spec !== undefined && spec.input === engine.inputName && specChannels(spec.preprocess) === c
          ? spec.preprocess
          : undefined;
      for (let i = 0; i < n; i++) {
        const tensor = array.data.slice(i * per, (i + 1) * per);
        const picture = tensorToFrame(tensor, c, h, w, pictureSpec);
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
      const imageSpec = spec as ModelSpec;
      const mismatch = specModelMismatch(imageSpec, engine.inputShape);
      if (mismatch !== undefined)
        throw new Error(`image '${input}': ${mismatch}; fix the spec or pass a .npy tensor`);
      const frame = await readImageFile(input);
      const warning = aspect?.check(frame.width, frame.height);
      if (warning !== undefined) log(`visualbackprop mask: warning: image '${input}': ${warning}`);
      const tensor = new Float32Array(channels * height * width);
      prepareFrame(frame, imageSpec.preprocess, IMAGE_OPS, tensor, 0);
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
