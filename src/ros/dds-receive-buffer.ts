/**
 * A bigger DDS socket receive buffer for camera images, asked for before rcl starts DDS.
 *
 * A 640x480 rgb8 image is 921 KB, which Cyclone DDS sends as hundreds of UDP fragments. Its
 * default receive buffer (1 MiB) overflows when three cameras at 30 Hz arrive while the node is
 * busy, and the kernel drops whole images without a trace in ROS. Measured on the 2-core CI
 * machine: a bare relay of 3 × 30 Hz cameras answered about half the frames with the default and
 * nearly all with a 4 MiB buffer (the bench's graph section prints today's figure). The ROS 2 docs'
 * DDS tuning page gives the same advice; a user who already set the buffer keeps theirs.
 *
 * The kernel caps any request at net.core.rmem_max without an error, so this asks for up to
 * {@link RECEIVE_BUFFER_BYTES} and warns when the cap is lower than what the images need.
 */
import * as fs from "node:fs";

/** What the node asks Cyclone DDS for; the kernel grants at most net.core.rmem_max. */
export const RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;
/** Below this cap, 3 cameras of 640x480 rgb8 at 30 Hz lose frames in the kernel. */
export const RECOMMENDED_RMEM_MAX_BYTES = 4 * 1024 * 1024;
/** Set to `off` to leave the DDS configuration exactly as the environment has it. */
export const TUNING_SWITCH = "VISUALBACKPROP_DDS_RECEIVE_BUFFER";

export interface DdsTuning {
  /** The CYCLONEDDS_URI to start DDS with; undefined leaves the environment as it is. */
  readonly cycloneddsUri?: string;
  /** One line for the log: what was done, or why not; undefined when nothing is worth saying. */
  readonly info?: string;
  /** A problem the user can fix (the kernel cap). */
  readonly warning?: string;
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}

/**
 * Decides the DDS receive buffer from the environment, the kernel's cap (undefined when /proc
 * cannot be read) and the configuration files CYCLONEDDS_URI names (`readFile` returns undefined
 * for one it cannot read). The caller applies `cycloneddsUri` to process.env before rcl init.
 */
export function planDdsReceiveBuffer(
  env: Readonly<Record<string, string | undefined>>,
  rmemMaxBytes: number | undefined,
  readFile: (path: string) => string | undefined,
): DdsTuning {
  if (env[TUNING_SWITCH] === "off") return {};
  // Only Cyclone DDS is tuned here; Fast DDS (Humble's default) is configured by its own XML profile.
  if (env.RMW_IMPLEMENTATION !== "rmw_cyclonedds_cpp") return {};
  const uri = env.CYCLONEDDS_URI ?? "";
  // The user's own setting wins, inline or in one of the files the list names.
  const entries = uri.split(",").map((entry) => entry.trim());
  const texts = entries.map((entry) =>
    entry.startsWith("file://") ? (readFile(entry.slice(7)) ?? "") : entry,
  );
  if (texts.some((text) => /SocketReceiveBufferSize/i.test(text))) {
    return { info: "Cyclone DDS: keeping the socket receive buffer that CYCLONEDDS_URI sets" };
  }
  const fragment =
    `<CycloneDDS><Domain><Internal><SocketReceiveBufferSize max="${RECEIVE_BUFFER_BYTES}B"/>` +
    `</Internal></Domain></CycloneDDS>`;
  // Cyclone reads a comma-separated list of files and inline fragments; later entries add to or
  // override earlier ones, so a user's file still decides everything else.
  const cycloneddsUri = uri.trim() === "" ? fragment : `${uri},${fragment}`;
  const granted =
    rmemMaxBytes === undefined ? RECEIVE_BUFFER_BYTES : Math.min(rmemMaxBytes, RECEIVE_BUFFER_BYTES);
  const info = `Cyclone DDS: socket receive buffer of ${mebibytes(granted)} for camera images (${TUNING_SWITCH}=off leaves it at the default)`;
  if (rmemMaxBytes !== undefined && rmemMaxBytes < RECOMMENDED_RMEM_MAX_BYTES) {
    return {
      cycloneddsUri,
      info,
      warning:
        `net.core.rmem_max is ${rmemMaxBytes} bytes, so the kernel limits DDS's receive buffer to that and ` +
        `drops camera images at high rates; raise it with: sudo sysctl -w net.core.rmem_max=${RECEIVE_BUFFER_BYTES} (docs/ros.md)`,
    };
  }
  return { cycloneddsUri, info };
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Plans with this machine's net.core.rmem_max and files, and applies the plan to `env` (the
 * process's own, before rcl init, so DDS reads it): the one impure entry, for the node's process.
 */
export function applyDdsReceiveBuffer(env: NodeJS.ProcessEnv): DdsTuning {
  const rmemMax = Number.parseInt(readText("/proc/sys/net/core/rmem_max") ?? "", 10);
  const plan = planDdsReceiveBuffer(env, Number.isFinite(rmemMax) ? rmemMax : undefined, readText);
  if (plan.cycloneddsUri !== undefined) env.CYCLONEDDS_URI = plan.cycloneddsUri;
  return plan;
}
