/**
 * glibc malloc settings that take the page faults out of engine runs at large batches.
 *
 * Every run hands JavaScript new output buffers: a batch of 16 masks is 0.8 MB. Above glibc's
 * default thresholds each such buffer is a fresh mmap whose pages all fault on first write, and
 * freed heap is trimmed back to the kernel only to fault in again next run. With these settings
 * VisualBackProp's added time at batch 16 fell from 1.05-1.18 ms to 0.58-0.73 ms (PilotNet, 2-core
 * CPU). glibc reads them only at process start. In-process, the node and the bag tool showed no
 * measurable difference; on a real ROS 2 graph, where rclnodejs copies every camera message into
 * and out of a fresh C struct, they halved the node's median latency at 3 cameras, so the
 * executables that carry camera images (bin/visualbackprop_node, bin/synthetic_camera) set them in
 * their first line. docs/methods.md has the engine figures both ways.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: "4194304",
  MALLOC_TRIM_THRESHOLD_: "33554432",
};

/** One line saying whether this process runs with the settings above (the bench prints it). */
export function allocatorLine(env: NodeJS.ProcessEnv = process.env): string {
  const set = Object.entries(ALLOCATOR_ENV).filter(([name, value]) => env[name] === value);
  if (set.length === Object.keys(ALLOCATOR_ENV).length)
    return `allocator: ${set.map(([n, v]) => `${n}=${v}`).join(" ")} (engine runs without page faults)`;
  return `allocator: glibc defaults (with ${Object.entries(ALLOCATOR_ENV)
    .map(([n, v]) => `${n}=${v}`)
    .join(" ")}, large-batch runs skip the page faults of fresh output buffers; docs/methods.md)`;
}
