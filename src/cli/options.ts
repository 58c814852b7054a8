import { parseArgs, type ParseArgsConfig } from "node:util";
import { COLOR_MAPS, ColorMap } from "../image/colormap";
import { LRP_POINTS, LrpPoint, ProviderChoice } from "../engine/types";
import { UsageError } from "./usage-error";

/** Command-line values every command checks the same way, with the same messages. */

/** node:util's parseArgs, its complaints (unknown option, missing value) turned into usage errors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function integerOption(name: string, text: string, min: number): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name}: expected an integer >= ${min}, got '${text}'`);
  }
  return n;
}

export function opacityOption(text: string): number {
  const opacity = Number(text);
  if (!(opacity >= 0 && opacity <= 1))
    throw new UsageError(`--opacity: expected a number in [0, 1], got '${text}'`);
  return opacity;
}

export function colorMapOption(text: string): ColorMap {
  if (!COLOR_MAPS.includes(text as ColorMap)) {
    throw new UsageError(`--colormap: expected one of ${COLOR_MAPS.join(", ")}, got '${text}'`);
  }
  return text as ColorMap;
}

const PROVIDER_CHOICES: readonly ProviderChoice[] = ["cpu", "cuda", "tensorrt", "webgpu", "auto"];

export function providerOption(text: string): ProviderChoice {
  if (!PROVIDER_CHOICES.includes(text as ProviderChoice)) {
    throw new UsageError(`--provider: expected cpu, cuda, tensorrt, webgpu or auto, got '${text}'`);
  }
  return text as ProviderChoice;
}

/** `--lrp-at`: where LRP's relevance is measured; refused when no LRP map is asked for. */
export function lrpAtOption(text: string | undefined, lrpChosen: boolean): LrpPoint | undefined {
  if (text === undefined) return undefined;
  if (!LRP_POINTS.includes(text as LrpPoint))
    throw new UsageError(`--lrp-at: expected ${LRP_POINTS.join(" or ")}, got '${text}'`);
  if (!lrpChosen) throw new UsageError("--lrp-at applies to the lrp method only");
  return text as LrpPoint;
}
