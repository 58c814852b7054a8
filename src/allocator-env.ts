/**
 * glibc malloc settings the package's launchers (npm scripts, ROS launch files) start Node with.
 *
 * Every run hands JavaScript new output buffers: a batch of 16 masks is 0.8 MB. Above glibc's
 * default thresholds each such buffer is a fresh mmap, so every page of it faults on first write,
 * and freed heap is trimmed back to the kernel only to fault in again on the next run. Keeping
 * buffers up to 4 MiB on the heap, and up to 32 MiB of freed heap mapped, took VisualBackProp's
 * added time at batch 16 from about 1.1 ms to 0.6-0.7 ms (PilotNet, 2-core CPU; docs/methods.md).
 * glibc reads these only at process start, so they cannot be set from inside Node.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: "4194304",
  MALLOC_TRIM_THRESHOLD_: "33554432",
};

/** One line saying whether this process runs with the settings above (benchmarks print it). */
export function allocatorLine(env: NodeJS.ProcessEnv = process.env): string {
  const missing = Object.entries(ALLOCATOR_ENV).filter(([name, value]) => env[name] !== value);
  return missing.length === 0
    ? `allocator: ${Object.entries(ALLOCATOR_ENV)
        .map(([n, v]) => `${n}=${v}`)
        .join(" ")}`
    : `allocator: glibc defaults (${missing.map(([n]) => n).join(", ")} not set as the launchers set them; output buffers page-fault, see docs/methods.md)`;
}
