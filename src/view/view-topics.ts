/**
 * The topics a viewer shows for each camera of a running node: the camera as the node receives it
 * (after remapping), and the node's mask, overlay and steering outputs, all fully qualified.
 * Names come from the node's own rule (src/frame/cameras.ts), so RViz and Foxglove show exactly
 * the topics `visualbackprop_node` publishes.
 */
import { outputTopics, resolveCameras } from "../frame/cameras";
import { NODE_NAME } from "../frame/node-name";

/** One camera and the fully qualified topics a viewer subscribes to. */
export interface CameraView {
  readonly name: string;
  /** The camera topic the node subscribes to, after remapping and namespace expansion. */
  readonly camera: string;
  readonly mask: string;
  readonly overlay: string;
  readonly steering: string;
  /** A comparison's topics (bag --compare, compare_model), when there is one. */
  readonly compare?: { readonly overlay: string; readonly diff: string; readonly steering: string };
}

export interface ViewOptions {
  /** `image_topics` as the node's parameter holds it (before remapping). */
  readonly topics: readonly string[];
  /** `camera_names`; empty: the names the topics imply. */
  readonly names?: readonly string[];
  /** The node's namespace (`''` or `/` for the root). */
  readonly namespace?: string;
  /** The node's name, default `visualbackprop`. */
  readonly nodeName?: string;
  /** The node's topic remappings, `from` -> `to`, as given to `--ros-args -r from:=to`. */
  readonly remaps?: readonly (readonly [string, string])[];
}

/** `/a/b`, `a/b` or `` as an absolute namespace without a trailing slash (`` for the root). */
export function normalizeNamespace(namespace: string): string {
  const parts = namespace.split("/").filter((part) => part !== "");
  return parts.length === 0 ? "" : `/${parts.join("/")}`;
}

/**
 * Expands a topic name as rcl does for a node `nodeName` in `namespace`: absolute names stay,
 * `~/x` goes under the node (`/ns/node/x`), relative names under the namespace (`/ns/x`).
 */
export function qualifyTopic(name: string, namespace: string, nodeName: string): string {
  const ns = normalizeNamespace(namespace);
  if (name.startsWith("/")) return name;
  if (name === "~") return `${ns}/${nodeName}`;
  if (name.startsWith("~/")) return `${ns}/${nodeName}/${name.slice(2)}`;
  return `${ns}/${name}`;
}

/**
 * The views of every camera the node serves. Throws, as the node would refuse to start, when
 * topics and names do not pair up.
 */
export function cameraViews(options: ViewOptions): CameraView[] {
  const namespace = options.namespace ?? "";
  const nodeName = options.nodeName ?? NODE_NAME;
  const qualify = (name: string): string => qualifyTopic(name, namespace, nodeName);
  const remaps = new Map((options.remaps ?? []).map(([from, to]) => [qualify(from), qualify(to)]));
  // The node names each camera after the topic it really subscribes to, after namespace expansion
  // and remapping (camera_topic:=/cameras/front/image_raw is camera "front"): so does the viewer.
  const received = options.topics.map((topic) => remaps.get(qualify(topic)) ?? qualify(topic));
  return resolveCameras(received, options.names ?? []).map((camera) => {
    const outputs = outputTopics(camera);
    return {
      name: camera.name,
      camera: camera.topic,
      mask: qualify(outputs.mask),
      overlay: qualify(outputs.overlay),
      steering: qualify(outputs.steering),
    };
  });
}
