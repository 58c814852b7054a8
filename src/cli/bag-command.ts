import { colorMapOption, integerOption, opacityOption, providerOption, parseCommandLine } from "./options";
import { checkOutputDir } from "../bag/output-path";
import { openBag } from "../bag/rosbag2-open";
import type { ProviderChoice } from "../engine/types";
import { COLOR_MAPS, type ColorMap } from "../image/colormap";
import { processBag, type BagRunResult } from "../offline/bag-processor";
import { OUTPUT_KINDS, type OutputKind, planCameras } from "../offline/camera-topics";
import { laneFocusForBag } from "../offline/lane-focus";
import type { BagReader } from "../bag/rosbag2-types";
import { ProgressReporter } from "../offline/progress";
import { RecordedSteering } from "../offline/recorded-steering";
import { checkReportDir, ReportCollector } from "../offline/report";
import { summaryLines } from "../offline/summary";
import { createSerializer } from "../bag/serializer-factory";
import { loadModel } from "../frame/model-loader";
import { defaultParameterValues, settingsFromValues } from "../ros/parameters";
import { DEFAULT_MODEL } from "./package-paths";
import { UsageError } from "./usage-error";
import { writeBagLayout } from "../view/bag-layout";

/** Exit codes of `visualbackprop bag` beyond 0 (complete), 1 (error) and 2 (bad command line). */
export const EXIT_PARTIAL = 3;
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

const NODE_DEFAULTS = settingsFromValues(defaultParameterValues()).runtime;

export const BAG_USAGE = `usage: visualbackprop bag INPUT -o OUTPUT [options]

Runs VisualBackProp over the camera topics of a rosbag2 recording (an .mcap file, or a bag
directory with MCAP or sqlite3 .db3 files) and writes OUTPUT, a new bag directory (MCAP, zstd)
with every input message copied unchanged plus, per camera, the topics the node publishes:
/visualbackprop/<camera>/mask, overlay, steering and saliency, stamped with the camera's header
stamp and logged at the camera message's log time, and OUTPUT/foxglove-layout.json, a Foxglove
layout for those topics (Layouts > Import from file). The input is never modified.

options:
  -o, --output DIR      the output bag directory (required; must not exist unless --force)
  --model FILE          ONNX model (default: the package's models/pilotnet.onnx)
  --compare FILE        a second ONNX model (with its own spec) to run on every frame beside
                        --model: its outputs go to /visualbackprop/<camera>/compare/..., with a
                        SaliencyComparison per frame on .../compare/comparison (steering of both,
                        mean mask difference, IoU of the top 5 %) and, when images are written,
                        the difference image on .../compare/diff (--model magenta, --compare green)
  --topics T,...        camera topics (default: every Image and CompressedImage topic)
  --provider P          cpu, cuda, tensorrt, webgpu or auto (default auto)
  --threads N           ONNX Runtime intra-op threads, 0 = its choice (default 1: the writer
                        thread and the workers use the other cores)
  --workers N           threads that decode, preprocess and render frames beside the main thread
                        (default: cores - 2, at most 4: the main thread and the writer thread
                        take a core each); 0 does that in the main thread
  --batch N             frames per engine run (default 16)
  --outputs K,...       per-camera outputs to write: steering, saliency, mask, overlay (default all);
                        the others are not rendered
  --compression C       output chunk compression: zstd (default), lz4 or none; on camera-sized
                        images zstd can be the largest cost of a run (its stage table says)
  --colormap M          ${COLOR_MAPS.join(", ")} (default ${NODE_DEFAULTS.colorMap})
  --opacity A           heat map weight in the overlay, 0..1 (default ${NODE_DEFAULTS.overlayOpacity})
  --steering-topic T    recorded steering to compare with: std_msgs/msg/Float32 (curvature, 1/m) or
                        a message with a curvature or steering_wheel_angle field
  --report DIR          write an HTML report (index.html) to DIR
  --report-frames       with --report, also every overlay as DIR/frames/<camera>/<index>.png
  --verbose             say which execution provider was chosen, and let ONNX Runtime's own
                        warnings through
  --force               replace an existing OUTPUT (and report) written by an earlier run of
                        this tool (never a recording or folder it did not write)

exit codes: 0 done; 1 error; 2 bad command line; 3 partial: the input was truncated or corrupt, or
frames could not be decoded (every readable message was processed; the summary counts the skips);
130 / 143 stopped by Ctrl-C / SIGTERM (the output is a valid bag with the frames processed so far).
`;

/** Everything one bag run needs; `visualbackprop demo` fills it too. */
export interface BagJob {
  readonly input: string;
  readonly output: string;
  readonly model: string;
  /** A second model to compare with (`--compare`). */
  readonly compare?: string;
  readonly topics?: readonly string[];
  readonly provider: ProviderChoice;
  readonly threads: number;
  /** Frame worker threads; default defaultFrameThreads(). */
  readonly workers?: number;
  readonly batch: number;
  /** Outputs written per camera; default all four. */
  readonly outputs?: readonly OutputKind[];
  /** Output chunk compression; default zstd. */
  readonly compression?: OutputCompression;
  readonly colorMap: ColorMap;
  readonly opacity: number;
  readonly steeringTopic?: string;
  readonly report?: string;
  readonly reportFrames: boolean;
  readonly force: boolean;
  /** The provider `auto` chose, and ONNX Runtime's warnings, on the log. */
  readonly verbose?: boolean;
}

export function parseBagArgs(argv: readonly string[]): BagJob {
  const parsed = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      model: { type: "string", default: DEFAULT_MODEL },
      compare: { type: "string" },
      topics: { type: "string" },
      provider: { type: "string", default: "auto" },
      threads: { type: "string", default: "1" },
      workers: { type: "string" },
      batch: { type: "string", default: "16" },
      outputs: { type: "string" },
      compression: { type: "string" },
      colormap: { type: "string", default: NODE_DEFAULTS.colorMap },
      opacity: { type: "string", default: String(NODE_DEFAULTS.overlayOpacity) },
      "steering-topic": { type: "string" },
      report: { type: "string" },
      "report-frames": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
    },
  });
  const v = parsed.values;
  if (parsed.positionals.length !== 1)
    throw new UsageError(`give exactly one INPUT bag, got ${parsed.positionals.length}`);
  if (v.output === undefined || v.output === "") throw new UsageError("-o/--output DIR is required");
  const integer = integerOption;
  const topics = v.topics
    ?.split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  if (v.topics !== undefined && (topics === undefined || topics.length === 0))
    throw new UsageError("--topics: expected a comma-separated list of topic names");
  if (v["report-frames"] && v.report === undefined)
    throw new UsageError("--report-frames needs --report DIR");
  return {
    input: parsed.positionals[0],
    output: v.output,
    model: v.model,
    compare: v.compare === "" ? emptyCompare() : v.compare,
    topics,
    provider: providerOption(v.provider),
    threads: integer("threads", v.threads, 0),
    workers: v.workers === undefined ? undefined : integer("workers", v.workers, 0),
    batch: integer("batch", v.batch, 1),
    outputs: v.outputs === undefined ? undefined : outputsOption(v.outputs),
    compression: v.compression === undefined ? undefined : compressionOption(v.compression),
    colorMap: colorMapOption(v.colormap),
    opacity: opacityOption(v.opacity),
    steeringTopic: v["steering-topic"],
    report: v.report,
    reportFrames: v["report-frames"],
    force: v.force,
    verbose: v.verbose,
  };
}

function emptyCompare(): never {
  throw new UsageError("--compare: expected an ONNX model file, got ''");
}

type OutputCompression = "zstd" | "lz4" | "none";
const COMPRESSIONS: readonly OutputCompression[] = ["zstd", "lz4", "none"];

function outputsOption(text: string): OutputKind[] {
  const kinds = text
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "");
  const unknown = kinds.filter((k) => !(OUTPUT_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || unknown.length > 0)
    throw new UsageError(
      `--outputs: expected a comma-separated list of ${OUTPUT_KINDS.join(", ")}, got ${JSON.stringify(text)}`,
    );
  return kinds as OutputKind[];
}

function compressionOption(text: string): OutputCompression {
  if (!(COMPRESSIONS as readonly string[]).includes(text))
    throw new UsageError(
      `--compression: expected one of ${COMPRESSIONS.join(", ")}, got ${JSON.stringify(text)}`,
    );
  return text as OutputCompression;
}

/** `visualbackprop bag`: see BAG_USAGE. Returns the exit code. */
export async function runBag(
  argv: readonly string[],
  stdout: (line: string) => void,
  log: (line: string) => void,
): Promise<number> {
  return runBagJob(parseBagArgs(argv), stdout, log);
}

/**
 * Checks the input before the model is loaded, so a wrong path or topic fails at once. Returns the
 * open input, which the run then reads: a bag is opened and planned once.
 */
async function checkInput(job: BagJob): Promise<BagReader> {
  const reader = await openBag(job.input);
  try {
    await checkOpenedInput(job, reader);
  } catch (error) {
    await reader.close();
    throw error;
  }
  return reader;
}

async function checkOpenedInput(job: BagJob, reader: BagReader): Promise<void> {
  const cameras = planCameras(reader.topics, job.topics, reader.path);
  // Counts are exact for an undamaged bag (summary, metadata or database); a damaged one is read
  // anyway, as far as it goes.
  const frames = cameras.reduce((n, c) => n + c.messageCount, 0);
  if (frames === 0 && reader.problems.length === 0) {
    throw new Error(
      `${reader.path}: no frames on ${cameras.map((c) => c.topic).join(", ")}: nothing to process ` +
        `(the bag holds ${reader.messageCount} message${reader.messageCount === 1 ? "" : "s"} in all)`,
    );
  }
  if (job.steeringTopic !== undefined)
    RecordedSteering.forTopic(createSerializer(reader), reader.topics, job.steeringTopic);
  // One check of the output against the inputs and of what is there already (checkOutputDir), and
  // one of the report against both bags (checkReportDir), each with its own message.
  checkOutputDir(job.output, { force: job.force, inputs: [job.input, reader.path, ...reader.files] });
  if (job.report !== undefined)
    checkReportDir({ dir: job.report, force: job.force, protect: [job.input, job.output] });
}

/**
 * Runs one bag job with progress on stderr and the summary on stdout; SIGINT/SIGTERM stop it
 * cleanly (a second one quits at once). Returns the exit code.
 */
export async function runBagJob(
  job: BagJob,
  stdout: (line: string) => void,
  log: (line: string) => void,
): Promise<number> {
  const reader = await checkInput(job);
  try {
    return await runOpened(job, reader, stdout, log);
  } finally {
    await reader.close();
  }
}

async function runOpened(
  job: BagJob,
  reader: BagReader,
  stdout: (line: string) => void,
  log: (line: string) => void,
): Promise<number> {
  const report =
    job.report !== undefined
      ? new ReportCollector({
          dir: job.report,
          frames: job.reportFrames,
          force: job.force,
          protect: [job.input, job.output],
        })
      : undefined;
  const model = await loadModel({
    modelPath: job.model,
    provider: job.provider,
    intraOpThreads: job.threads,
    log,
    verbose: job.verbose ? log : undefined,
  });
  let compare;
  try {
    compare =
      job.compare === undefined
        ? undefined
        : await loadModel({
            modelPath: job.compare,
            provider: job.provider,
            intraOpThreads: job.threads,
            log,
            verbose: job.verbose ? log : undefined,
          });
  } catch (error) {
    await model.engine.release();
    throw new Error(`--compare: ${(error as Error).message}`, { cause: error });
  }
  if (report !== undefined && compare !== undefined) {
    // A synthetic drive bag: the paragraph says which model looks at lane markings more.
    try {
      const lane = laneFocusForBag(reader.metadataRecords, model.preprocess, compare.preprocess);
      if (lane !== undefined) report.measureLaneFocus(lane);
    } catch (error) {
      log(`visualbackprop bag: no lane focus in the report: ${(error as Error).message}`);
    }
  }
  const controller = new AbortController();
  const signals = new Map<NodeJS.Signals, () => void>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const handler = (): void => {
      if (controller.signal.aborted) {
        log(`visualbackprop bag: ${signal} again: quitting at once; the output bag is not finalised`);
        process.exit(signal === "SIGINT" ? EXIT_SIGINT : EXIT_SIGTERM);
      }
      log(
        `visualbackprop bag: ${signal}: finishing the frames read so far and closing the output bag (again to quit at once)`,
      );
      controller.abort(signal);
    };
    signals.set(signal, handler);
    process.on(signal, handler);
  }
  const progress = new ProgressReporter({
    write: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true,
    columns: process.stderr.columns,
  });
  log(
    `visualbackprop bag: ${job.input} -> ${job.output} (model ${model.name}${compare ? ` compared with ${compare.name}` : ""}, ${model.engine.provider}, batch ${job.batch})`,
  );
  let result: BagRunResult;
  try {
    result = await processBag({
      input: job.input,
      reader,
      outputs: job.outputs,
      compression: job.compression,
      output: job.output,
      force: job.force,
      model,
      compare,
      topics: job.topics,
      batch: job.batch,
      threads: job.workers,
      colorMap: job.colorMap,
      opacity: job.opacity,
      geometry: { wheelbaseM: NODE_DEFAULTS.wheelbaseM, steeringRatio: NODE_DEFAULTS.steeringRatio },
      steeringTopic: job.steeringTopic,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      onFrame: report?.onFrame,
    });
  } finally {
    progress.finish();
    for (const [signal, handler] of signals) process.removeListener(signal, handler);
    await model.engine.release();
    await compare?.engine.release();
  }
  for (const line of summaryLines(result)) stdout(line);
  stdout(`foxglove layout: ${writeBagLayout(result)}`);
  if (report !== undefined) stdout(`report: ${await report.write(result)}`);
  if (result.status === "interrupted") return result.interruptedBy === "SIGTERM" ? EXIT_SIGTERM : EXIT_SIGINT;
  return result.status === "partial" ? EXIT_PARTIAL : 0;
}
