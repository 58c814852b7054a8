import * as fs from "node:fs";
import * as path from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import { ProviderChoice, ProviderName } from "./types";
import { errorText } from "../error-text";

/** What each choice tries, in order. CPU is always last, so a session always comes up somewhere. */
export function providerChain(choice: ProviderChoice): ProviderName[] {
  switch (choice) {
    case "auto":
      // WebGPU is left out of auto: where no GPU adapter exists it can land on a slow software one.
      return ["cuda", "cpu"];
    case "tensorrt":
      return ["tensorrt", "cuda", "cpu"];
    case "cuda":
      return ["cuda", "cpu"];
    case "webgpu":
      return ["webgpu", "cpu"];
    case "cpu":
      return ["cpu"];
    default:
      throw new Error(
        `provider: expected one of cpu, cuda, tensorrt, webgpu, auto; got ${JSON.stringify(choice as string)}`,
      );
  }
}

export interface OpenedSession {
  readonly session: InferenceSession;
  readonly provider: ProviderName;
}

/**
 * Opens a session on the first provider of the chain that loads. ONNX Runtime throws, rather than
 * falling back, when a provider's libraries are missing, so the fallback is done here. A provider
 * asked for by name that fails gets one warning line on `log`; `auto` only tries what may be there,
 * so its choice is said on `verbose` alone (a machine without CUDA is the normal case, not a fault).
 */
export async function openSession(
  create: (providers: ProviderName[]) => Promise<InferenceSession>,
  choice: ProviderChoice,
  log: (line: string) => void,
  missingLibrary: (provider: ProviderName) => string | undefined = missingProviderLibrary,
  verbose?: (line: string) => void,
): Promise<OpenedSession> {
  const chain = providerChain(choice);
  const say = choice === "auto" ? (verbose ?? (() => undefined)) : log;
  const notes: string[] = [];
  let lastError: unknown;
  for (let i = 0; i < chain.length; i++) {
    const provider = chain[i];
    const missing = missingLibrary(provider);
    if (missing !== undefined && i + 1 < chain.length) {
      // Checked first so a machine without CUDA gets our one line, not ONNX Runtime's error dump.
      const line = `execution provider '${provider}' is not installed (${missing} is missing)`;
      if (choice === "auto") notes.push(line);
      else say(`visualbackprop: ${line}; falling back to '${chain[i + 1]}'`);
      continue;
    }
    try {
      const session = await create([provider]);
      if (choice === "auto")
        verbose?.(
          `visualbackprop: provider auto: using '${provider}'${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
        );
      return { session, provider };
    } catch (error) {
      lastError = error;
      const reason = firstLine(error);
      if (i + 1 < chain.length) {
        const line = `execution provider '${provider}' failed to load (${reason})`;
        if (choice === "auto") notes.push(line);
        else say(`visualbackprop: ${line}; falling back to '${chain[i + 1]}'`);
      }
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** Folders the dynamic loader searches on Linux, besides $LD_LIBRARY_PATH and ld.so.conf. */
const SYSTEM_LIBRARY_DIRS = [
  "/lib",
  "/usr/lib",
  "/lib64",
  "/usr/lib64",
  "/usr/local/lib",
  `/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`,
  `/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`,
];

/**
 * On Linux the WebGPU provider (Dawn) needs the Vulkan loader; without it Dawn prints a warning
 * with a C++ source line straight to stderr before failing. Returns its name when it is nowhere
 * the dynamic loader would look, so the provider is skipped with our one line instead.
 */
function missingVulkanLoader(): string | undefined {
  if (process.platform !== "linux") return undefined;
  const file = "libvulkan.so.1";
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...SYSTEM_LIBRARY_DIRS];
  try {
    for (const conf of fs.readdirSync("/etc/ld.so.conf.d")) {
      if (!conf.endsWith(".conf")) continue;
      for (const line of fs.readFileSync(path.join("/etc/ld.so.conf.d", conf), "utf8").split("\n")) {
        if (line.startsWith("/")) dirs.push(line.trim());
      }
    }
  } catch {
    // No ld.so.conf.d: the fixed folders are all there is.
  }
  return dirs.some((dir) => fs.existsSync(path.join(dir, file))) ? undefined : file;
}

/**
 * ONNX Runtime's errors start with the C++ file, line and function that threw, and the condition
 * that failed; a person needs the sentence after them. Leaves other messages as they are.
 */
export function readableOrtMessage(message: string): string {
  const located = /^\S+\.(?:cc|cpp|h|hpp):\d+ \S+?(?:\([^)]*\)\S*)?\s+(.*)$/s.exec(message.trim());
  if (located === null) return message;
  const rest = located[1];
  const afterCondition = / was false\.\s*(.+)$/s.exec(rest);
  return (afterCondition?.[1] ?? rest).trim();
}

/**
 * onnxruntime-node ships the CUDA and TensorRT providers as separate libraries that its install
 * script downloads; returns the missing file's name when they are not there.
 */
export function missingProviderLibrary(provider: ProviderName): string | undefined {
  if (provider === "webgpu") return missingVulkanLoader();
  if (provider !== "cuda" && provider !== "tensorrt") return undefined;
  let binFolder: string;
  try {
    const entry = require.resolve("onnxruntime-node");
    binFolder = path.join(path.dirname(entry), "..", "bin", "napi-v6", process.platform, process.arch);
  } catch {
    return undefined;
  }
  if (!fs.existsSync(binFolder)) return undefined; // an unknown layout: let ONNX Runtime decide
  const file = `libonnxruntime_providers_${provider}.so`;
  if (process.platform === "linux" && !fs.existsSync(path.join(binFolder, file))) return file;
  return undefined;
}

function firstLine(error: unknown): string {
  const message = errorText(error);
  return message.split("\n")[0].slice(0, 300);
}
