/**
 * Which topics of a bag are cameras, what each camera is called, and where its outputs go. The
 * names and output topics come from the live node's own rules (src/frame/cameras.ts) and its default
 * node name, so a processed bag carries exactly the topics `visualbackprop_node` would publish.
 */
import type { BagTopic } from "../bag/rosbag2-types";
import {
  COMPARE_OUTPUTS,
  type CompareOutput,
  compareOutputTopics,
  outputTopics,
  resolveCameras,
} from "../frame/cameras";
import { NODE_NAME } from "../frame/node-name";

export const IMAGE_TYPE = "sensor_msgs/msg/Image";
export const COMPRESSED_IMAGE_TYPE = "sensor_msgs/msg/CompressedImage";

/** Message types of the four outputs per camera, as the node publishes them. */
export const OUTPUT_TYPES = {
  mask: IMAGE_TYPE,
  overlay: IMAGE_TYPE,
  steering: "visualbackprop/msg/SteeringCommand",
  saliency: "visualbackprop/msg/Saliency",
} as const;

export type OutputKind = keyof typeof OUTPUT_TYPES;

/** The outputs in the order the node publishes a frame's: steering first (msg/Saliency.msg). */
export const OUTPUT_KINDS: readonly OutputKind[] = ["steering", "saliency", "mask", "overlay"];

/**
 * What a comparison (`--compare`) writes per camera besides the main model's outputs: the compared
 * model's outputs of the kinds asked for, a SaliencyComparison per frame, and the difference image
 * (whenever images are written), all under `/visualbackprop/<camera>/compare/`.
 */
export type CompareKind = CompareOutput;

export const COMPARE_TYPES: Readonly<Record<CompareKind, string>> = {
  ...OUTPUT_TYPES,
  comparison: "visualbackprop/msg/SaliencyComparison",
  diff: IMAGE_TYPE,
};

/** The compared model's outputs, then the comparison and the difference image. */
export const COMPARE_KINDS: readonly CompareKind[] = COMPARE_OUTPUTS;

/** The comparison's kinds written for the main outputs `outputs`: diff only with images. */
export function compareKinds(outputs: readonly OutputKind[]): CompareKind[] {
  const images = outputs.includes("mask") || outputs.includes("overlay");
  return [...outputs, "comparison", ...(images ? (["diff"] as const) : [])];
}

/** One camera topic of the input and the four topics its results are written to. */
export interface CameraPlan {
  /** Index in the plan; per-camera statistics are kept by it. */
  readonly index: number;
  /** Short name, as in `/visualbackprop/<name>/mask`. */
  readonly name: string;
  readonly topic: string;
  readonly compressed: boolean;
  /** Messages the bag says the topic holds (0 when the bag does not say). */
  readonly messageCount: number;
  readonly outputs: Readonly<Record<OutputKind, string>>;
  /** Where a comparison's outputs go (written only with `--compare`). */
  readonly compare: Readonly<Record<CompareKind, string>>;
}

function isImageType(type: string): boolean {
  return type === IMAGE_TYPE || type === COMPRESSED_IMAGE_TYPE;
}

/** `~/front/mask` as the node's default name resolves it: `/visualbackprop/front/mask`. */
function expandPrivate(name: string): string {
  return name.startsWith("~/") ? `/${NODE_NAME}/${name.slice(2)}` : name;
}

/**
 * Picks the camera topics: every Image/CompressedImage topic, or exactly those `requested` names
 * (in that order). Throws naming the topic for unknown names, non-image topics, a bag without
 * image topics, and two cameras that would share output topics.
 */
export function planCameras(
  topics: readonly BagTopic[],
  requested: readonly string[] | undefined,
  where: string,
): CameraPlan[] {
  const byName = new Map(topics.map((t) => [t.name, t]));
  let chosen: BagTopic[];
  if (requested !== undefined && requested.length > 0) {
    chosen = requested.map((name) => {
      const topic = byName.get(name);
      if (topic === undefined) {
        throw new Error(
          `${where}: no topic "${name}" in the bag (image topics: ${listImageTopics(topics) || "none"})`,
        );
      }
      if (!isImageType(topic.type)) {
        throw new Error(
          `${where}: topic "${name}" is ${topic.type || "of unknown type"}, not ${IMAGE_TYPE} or ${COMPRESSED_IMAGE_TYPE}`,
        );
      }
      return topic;
    });
  } else {
    // The node's own mask and overlay topics (a bag processed before) are outputs, not cameras.
    chosen = topics.filter((t) => isImageType(t.type) && !isOutputTopic(t.name));
    if (chosen.length === 0) {
      const all = topics.map((t) => `${t.name} (${t.type})`).join(", ");
      throw new Error(
        `${where}: no image topics (${IMAGE_TYPE} or ${COMPRESSED_IMAGE_TYPE}) in the bag; it has ${all || "no topics"}`,
      );
    }
  }
  let sources;
  try {
    sources = resolveCameras(
      chosen.map((t) => t.name),
      [],
    );
  } catch (error) {
    throw new Error(
      `${where}: ${(error as Error).message.replace(/; set camera_names.*$/, "")}; choose the cameras with --topics`,
      { cause: error },
    );
  }
  return sources.map((source, index) => {
    const relative = outputTopics(source);
    return {
      index,
      name: source.name,
      topic: source.topic,
      compressed: chosen[index].type === COMPRESSED_IMAGE_TYPE,
      messageCount: chosen[index].messageCount,
      outputs: {
        mask: expandPrivate(relative.mask),
        overlay: expandPrivate(relative.overlay),
        steering: expandPrivate(relative.steering),
        saliency: expandPrivate(relative.saliency),
      },
      compare: Object.fromEntries(
        Object.entries(compareOutputTopics(source)).map(([kind, topic]) => [kind, expandPrivate(topic)]),
      ) as Record<CompareKind, string>,
    };
  });
}

/**
 * `/visualbackprop/<camera>/mask` or `.../overlay`, and a comparison's `.../compare/mask`,
 * `overlay` and `diff`: what this tool and the node write.
 */
function isOutputTopic(name: string): boolean {
  const parts = name.split("/");
  if (parts[1] !== NODE_NAME) return false;
  if (parts.length === 4) return parts[3] === "mask" || parts[3] === "overlay";
  return parts.length === 5 && parts[3] === "compare" && ["mask", "overlay", "diff"].includes(parts[4]);
}

function listImageTopics(topics: readonly BagTopic[]): string {
  return topics
    .filter((t) => isImageType(t.type))
    .map((t) => t.name)
    .join(", ");
}
