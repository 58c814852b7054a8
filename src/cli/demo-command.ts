import * as fs from "node:fs";
import * as path from "node:path";
import { HELD_OUT_SEEDS } from "../drive/seeds";
import { SYNTHETIC_CURVATURE_TOPIC, writeSyntheticDriveBag } from "../offline/synthetic-bag";
import { type BagJob, runBagJob } from "./bag-command";
import { integerOption, parseCommandLine, providerOption } from "./options";
import { DEFAULT_MODEL } from "./package-paths";

export const DEMO_USAGE = `usage: visualbackprop demo [options]

The main job (\`npm start\`), with no ROS 2 and no network: renders a held-out synthetic drive to
OUT/synthetic_drive/ (a rosbag2 bag: rgb8 640x480 at 30 Hz on /cameras/front/image_raw, the true
curvature on /vehicle/curvature) unless it is there already, runs \`visualbackprop bag\` on it into
OUT/synthetic_drive_vbp/ and writes the report to OUT/report/index.html. Each run replaces its own
earlier output bag and report, nothing else.

options:
  --out DIR       where everything goes (default out)
  --model FILE    ONNX model (default: the package's models/pilotnet.onnx)
  --frames N      frames to render when the drive bag is made (default 300, 10 s)
  --seed N        drive seed (default ${HELD_OUT_SEEDS[0]}, held out from training)
  --provider P    cpu, cuda, tensorrt, webgpu or auto (default auto)
  --batch N       frames per engine run (default 16)
`;

interface DemoOptions {
  readonly out: string;
  readonly model: string;
  readonly frames: number;
  readonly seed: number;
  readonly provider: BagJob["provider"];
  readonly batch: number;
}

function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const parsed = parseCommandLine({
    args: [...argv],
    options: {
      out: { type: "string", default: "out" },
      model: { type: "string", default: DEFAULT_MODEL },
      frames: { type: "string", default: "300" },
      seed: { type: "string", default: String(HELD_OUT_SEEDS[0]) },
      provider: { type: "string", default: "auto" },
      batch: { type: "string", default: "16" },
    },
  });
  const v = parsed.values;
  return {
    out: v.out,
    model: v.model,
    frames: integerOption("frames", v.frames, 1),
    seed: integerOption("seed", v.seed, 0),
    provider: providerOption(v.provider),
    batch: integerOption("batch", v.batch, 1),
  };
}

/** `visualbackprop demo`: see DEMO_USAGE. Returns the bag run's exit code. */
export async function runDemo(
  argv: readonly string[],
  stdout: (line: string) => void,
  log: (line: string) => void,
): Promise<number> {
  const options = parseDemoArgs(argv);
  if (!fs.existsSync(options.model)) {
    throw new Error(
      `model ${options.model} does not exist (the package ships models/pilotnet.onnx; give another with --model)`,
    );
  }
  const out = path.resolve(options.out);
  const input = path.join(out, "synthetic_drive");
  const output = path.join(out, "synthetic_drive_vbp");
  const report = path.join(out, "report");
  if (fs.existsSync(input)) {
    if (!fs.existsSync(path.join(input, "metadata.yaml")))
      throw new Error(`${input} exists but is not a bag (no metadata.yaml); move it away or use --out`);
    log(`demo: using the synthetic drive bag already in ${input}`);
  } else {
    log(`demo: rendering ${options.frames} frames of synthetic drive seed ${options.seed} to ${input}`);
    let lastTenth = 0;
    await writeSyntheticDriveBag(input, {
      seed: options.seed,
      frames: options.frames,
      onFrame: (done, total) => {
        const tenth = Math.floor((done / total) * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          log(`demo: rendered ${done}/${total} frames`);
        }
      },
    });
  }
  const code = await runBagJob(
    {
      input,
      output,
      model: options.model,
      provider: options.provider,
      threads: 1,
      batch: options.batch,
      colorMap: "jet",
      opacity: 0.5,
      steeringTopic: SYNTHETIC_CURVATURE_TOPIC,
      report,
      reportFrames: false,
      force: true,
    },
    stdout,
    log,
  );
  stdout("");
  stdout(`input bag:  ${input}`);
  stdout(
    `output bag: ${output}   (ros2 bag play ${path.relative(process.cwd(), output) || output} --clock, or open it in Foxglove)`,
  );
  stdout(`report:     ${path.join(report, "index.html")}`);
  return code;
}
