import { BAG_USAGE, runBag } from "./bag-command";
import { DEMO_USAGE, runDemo } from "./demo-command";
import { EVAL_USAGE, runEval } from "./eval-command";
import { FOXGLOVE_LAYOUT_USAGE, runFoxgloveLayout } from "./foxglove-layout-command";
import { MASK_USAGE, runMask } from "./mask-command";
import { UsageError } from "./usage-error";

type Command = {
  readonly summary: string;
  readonly usage: string;
  readonly run: (
    argv: readonly string[],
    stdout: (line: string) => void,
    log: (line: string) => void,
  ) => Promise<number | void>;
};

/** Subcommands; each module owns its arguments and usage text. */
const COMMANDS: Record<string, Command> = {
  mask: {
    summary: "write VisualBackProp masks and overlays for images or tensors",
    usage: MASK_USAGE,
    run: runMask,
  },
  bag: {
    summary: "run VisualBackProp over the camera topics of a rosbag2 recording into a new bag",
    usage: BAG_USAGE,
    run: runBag,
  },
  eval: {
    summary: "score a model's steering and masks on held-out synthetic drives (lane focus, shift test)",
    usage: EVAL_USAGE,
    run: runEval,
  },
  "foxglove-layout": {
    summary: "write a Foxglove layout (cameras, overlays, masks, steering plot) for the node's topics",
    usage: FOXGLOVE_LAYOUT_USAGE,
    run: runFoxgloveLayout,
  },
  demo: {
    summary: "the main job (npm start): synthetic drive -> bag -> VisualBackProp bag and report in out/",
    usage: DEMO_USAGE,
    run: runDemo,
  },
};

function mainUsage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `usage: visualbackprop COMMAND [options]\n\ncommands:\n${lines.join("\n")}\n\nvisualbackprop COMMAND --help shows a command's options.\n`;
}

/** Runs the CLI and returns the exit code: 0 done, 1 failed, 2 bad command line. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(mainUsage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`visualbackprop: unknown command '${name}'\n\n${mainUsage()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.usage);
    return 0;
  }
  try {
    const code = await command.run(
      rest,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
    return code ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`visualbackprop ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    process.stderr.write(`visualbackprop ${name}: error: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`visualbackprop: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
