/**
 * Scores the shipped model on the held-out drives: node dist/src/drive/evaluate-cli.js
 *   [--model models/pilotnet.onnx] [--frames 250] [--stride 8] [--json]
 */
import { evaluateModel } from "./evaluate";
import { HELD_OUT_SEEDS } from "./seeds";
import { errorText } from "../error-text";

async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes("--json");
  const rest = argv.filter((a) => a !== "--json");
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith("--") || i + 1 >= rest.length)
      throw new Error(`expected --name value pairs, got "${rest[i]}"`);
    values.set(rest[i].slice(2), rest[i + 1]);
  }
  const evaluation = await evaluateModel({
    modelPath: values.get("model") ?? "models/pilotnet.onnx",
    seeds: HELD_OUT_SEEDS,
    framesPerSeed: Number(values.get("frames") ?? 250),
    stride: Number(values.get("stride") ?? 8),
  });
  const { predicted: _p, truth: _t, ...figures } = evaluation;
  if (json) {
    console.log(JSON.stringify(figures, null, 2));
    return;
  }
  const row = (name: string, f: typeof evaluation.road): string =>
    `${name.padEnd(14)} ${String(f.frames).padStart(6)}  MAE ${f.mae.toFixed(5)}  RMSE ${f.rmse.toFixed(5)}  R2 ${f.r2.toFixed(4)}  within ${f.tolerance}: ${(100 * f.withinTolerance).toFixed(1)}%`;
  for (const s of evaluation.perSeed) console.log(row(`seed ${s.seed}`, s.road));
  console.log(row("all (road)", evaluation.road));
  console.log(row("all (label)", evaluation.label));
  console.log(`${evaluation.seconds.toFixed(1)} s`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`evaluate: ${errorText(error)}`);
  process.exitCode = 1;
});
