import { parseArgs } from "node:util";
import { ProviderChoice } from "../src/engine/types";
import { benchEngine } from "./engine-bench";
import { machineLine } from "./machine";

/** `npm run bench`: measured figures, each with the machine it ran on. `--json` for tracking. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      runs: { type: "string", default: "300" },
      provider: { type: "string", default: "cpu" },
      threads: { type: "string", default: "0" },
    },
  });
  const runs = Number(values.runs);
  const machine = machineLine();
  const engine = await benchEngine({
    batches: [1, 16],
    runs,
    provider: values.provider as ProviderChoice,
    intraOpThreads: Number(values.threads),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ machine, engine })}\n`);
    return;
  }
  const f = (n: number) => n.toFixed(3).padStart(9);
  console.log(`machine: ${machine}`);
  console.log(
    `\nVisualBackProp cost (${engine.model}, provider ${engine.provider}, median of ${runs} runs each)`,
  );
  console.log("batch  forward ms  forward+VBP ms    ratio  VBP adds");
  for (const r of engine.rows) {
    console.log(
      `${String(r.batch).padStart(5)}  ${f(r.forwardMs)}   ${f(r.forwardVbpMs)}     ${r.ratio.toFixed(3)}  ${r.addedPercent.toFixed(1).padStart(6)} %`,
    );
  }
  console.log("targets on a 2-core CPU: VBP adds at most 40 % at batch 1 and 15 % at batch 16");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
