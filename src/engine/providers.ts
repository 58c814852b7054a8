import type { InferenceSession } from "onnxruntime-node";
import { ProviderChoice, ProviderName } from "./types";

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
 * falling back, when a provider's libraries are missing, so the fallback is done here, with one log
 * line per provider that failed.
 */
export async function openSession(
  create: (providers: ProviderName[]) => Promise<InferenceSession>,
  choice: ProviderChoice,
  log: (line: string) => void,
): Promise<OpenedSession> {
  const chain = providerChain(choice);
  let lastError: unknown;
  for (let i = 0; i < chain.length; i++) {
    const provider = chain[i];
    try {
      return { session: await create([provider]), provider };
    } catch (error) {
      lastError = error;
      const reason = firstLine(error);
      if (i + 1 < chain.length) {
        log(`visualbackprop: execution provider '${provider}' failed to load (${reason}); falling back to '${chain[i + 1]}'`);
      }
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].slice(0, 300);
}
