/**
 * rclnodejs generates JavaScript for the message packages on AMENT_PREFIX_PATH; the package's own
 * messages exist there only after `colcon build`, possibly after rclnodejs last generated. Checked
 * (and generated once if missing) before any publisher is created, so a missing build is one clear
 * start-up error instead of a failure at the first frame.
 */
import type { RclApi, RosLogger } from "./ros-api";

function loads(rcl: RclApi, typeName: string): boolean {
  try {
    rcl.require(typeName);
    return true;
  } catch {
    return false;
  }
}

export async function ensureMessageTypes(
  rcl: RclApi,
  typeNames: readonly string[],
  logger: RosLogger,
): Promise<void> {
  const missing = typeNames.filter((typeName) => !loads(rcl, typeName));
  if (missing.length === 0) return;
  logger.info(`generating rclnodejs message code (missing: ${missing.join(", ")})`);
  await rcl.regenerateAll();
  const stillMissing = missing.filter((typeName) => !loads(rcl, typeName));
  if (stillMissing.length > 0) {
    throw new Error(
      `message types ${stillMissing.join(", ")} are unknown to rclnodejs: build the package with colcon build ` +
        `and source install/setup.bash before starting the node`,
    );
  }
}
