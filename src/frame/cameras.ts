/**
 * Which cameras the node serves: the topic each comes from, whether it carries raw or compressed
 * images, and the short name under which its outputs appear (`~/<camera>/mask` ...), so that
 * viewers group a camera's outputs.
 */
import { MessageTypes } from "./message-types";

export interface CameraSource {
  /** Index in `image_topics`; the pipeline keys its per-camera state by it. */
  readonly index: number;
  readonly name: string;
  readonly topic: string;
  readonly compressed: boolean;
  readonly messageType: string;
}

function topicSegments(topic: string): string[] {
  return topic.split("/").filter((segment) => segment.length > 0);
}

/** image_transport convention: a topic whose last segment is `compressed` carries CompressedImage. */
export function isCompressedTopic(topic: string): boolean {
  const segments = topicSegments(topic);
  return segments.length > 0 && segments[segments.length - 1] === "compressed";
}

/** A ROS name token: letters, digits and underscores, not starting with a digit. */
export function sanitizeNameToken(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/**
 * The camera name a topic implies: the last namespace segment (`front` for
 * `/cameras/front/image_raw` and `/cameras/front/image_raw/compressed`), or undefined when the
 * topic has no namespace.
 */
export function cameraNameFromTopic(topic: string): string | undefined {
  const segments = topicSegments(topic);
  if (isCompressedTopic(topic)) segments.pop();
  segments.pop();
  const last = segments[segments.length - 1];
  return last === undefined ? undefined : sanitizeNameToken(last);
}

/**
 * Pairs topics with names. Explicit `names` win (one per topic); otherwise names come from the
 * topics, and `camera` / `camera_<i>` stand in for topics without a namespace. Throws when names
 * are missing, empty, or not unique, since two cameras would then publish on the same topics.
 */
export function resolveCameras(topics: readonly string[], names: readonly string[]): CameraSource[] {
  if (topics.length === 0) throw new Error("image_topics is empty: give at least one camera topic");
  if (names.length > 0 && names.length !== topics.length) {
    throw new Error(
      `camera_names has ${names.length} entries but image_topics has ${topics.length}; give one name per topic or none`,
    );
  }
  const cameras = topics.map((topic, index): CameraSource => {
    if (topic.trim() === "") throw new Error(`image_topics[${index}] is empty`);
    const explicit = names[index];
    const derived = cameraNameFromTopic(topic) ?? (topics.length === 1 ? "camera" : `camera_${index}`);
    const name = explicit !== undefined && explicit !== "" ? sanitizeNameToken(explicit) : derived;
    const compressed = isCompressedTopic(topic);
    return {
      index,
      name,
      topic,
      compressed,
      messageType: compressed ? MessageTypes.compressedImage : MessageTypes.image,
    };
  });
  const seen = new Map<string, string>();
  for (const camera of cameras) {
    const other = seen.get(camera.name);
    if (other !== undefined) {
      throw new Error(
        `cameras ${other} and ${camera.topic} would both be named "${camera.name}"; set camera_names to tell them apart`,
      );
    }
    seen.set(camera.name, camera.topic);
  }
  return cameras;
}

/** Output topics of one camera, relative to the node (`~/` expands to the node's name). */
export function outputTopics(camera: CameraSource): {
  mask: string;
  overlay: string;
  steering: string;
  saliency: string;
} {
  return {
    mask: `~/${camera.name}/mask`,
    overlay: `~/${camera.name}/overlay`,
    steering: `~/${camera.name}/steering`,
    saliency: `~/${camera.name}/saliency`,
  };
}

/**
 * What a comparison with a second model (the node's compare_model, `visualbackprop bag --compare`)
 * publishes per camera: the compared model's four outputs, the SaliencyComparison and the
 * difference image, in the order a frame's are published.
 */
export const COMPARE_OUTPUTS = ["steering", "saliency", "mask", "overlay", "comparison", "diff"] as const;
export type CompareOutput = (typeof COMPARE_OUTPUTS)[number];

/** A comparison's topics of one camera, relative to the node: `~/<camera>/compare/<output>`. */
export function compareOutputTopics(camera: Pick<CameraSource, "name">): Record<CompareOutput, string> {
  return Object.fromEntries(
    COMPARE_OUTPUTS.map((output) => [output, `~/${camera.name}/compare/${output}`]),
  ) as Record<CompareOutput, string>;
}
