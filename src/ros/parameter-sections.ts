/**
 * rclnodejs 2.2.0 takes a node's parameter overrides from the `/**` section of the parameter
 * files and from the section named by the node's bare name (`visualbackprop:`), but not from the
 * section named by its fully qualified name (`/visualbackprop:`, `/car/visualbackprop:`). That is
 * the form ROS users write, and the only one launch_ros generates: without this, every parameter a
 * launch file gives the node (image_topics, use_sim_time, model, ...) is silently ignored. This
 * wraps rclnodejs's override lookup so the fully qualified section counts too, above `/**`.
 */

interface OverrideLike {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

interface NodePrototypeLike {
  _getNativeParameterOverrides?: () => Map<string, OverrideLike>;
  name?: () => string;
  namespace?: () => string;
  __visualbackpropSections?: boolean;
}

function sameValue(a: OverrideLike, b: OverrideLike): boolean {
  return a.type === b.type && JSON.stringify(a.value, bigints) === JSON.stringify(b.value, bigints);
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** The lookup as rclnodejs does it, but with `name()` answering `name`. */
function overridesFor(
  node: NodePrototypeLike,
  original: () => Map<string, OverrideLike>,
  name: string,
): Map<string, OverrideLike> {
  Object.defineProperty(node, "name", { value: () => name, configurable: true, writable: true });
  try {
    return original.call(node);
  } finally {
    delete (node as { name?: unknown }).name;
  }
}

/**
 * Wraps `nodeClass.prototype._getNativeParameterOverrides` (once): the `/**` values, then those of
 * the bare-name section, then those of the fully-qualified-name section, later ones winning.
 * Leaves a class without that method as it is (another rclnodejs version).
 */
export function readFullyQualifiedParameterSections(nodeClass: { prototype: unknown }): void {
  const prototype = nodeClass.prototype as NodePrototypeLike;
  const original = prototype._getNativeParameterOverrides;
  if (typeof original !== "function" || prototype.__visualbackpropSections === true) return;
  prototype._getNativeParameterOverrides = function (this: NodePrototypeLike): Map<string, OverrideLike> {
    const bare = original.call(this);
    if (typeof this.name !== "function" || typeof this.namespace !== "function") return bare;
    const name = this.name();
    const namespace = this.namespace();
    const qualified = namespace === "/" || namespace === "" ? `/${name}` : `${namespace}/${name}`;
    // Only `/**` answers a name that no section uses: what differs from it is node-specific.
    const global = overridesFor(this, original, "\u0000no such node");
    const specific = overridesFor(this, original, qualified);
    const merged = new Map(bare);
    for (const [key, parameter] of specific) {
      const fromGlobal = global.get(key);
      if (fromGlobal === undefined || !sameValue(fromGlobal, parameter)) merged.set(key, parameter);
    }
    return merged;
  };
  prototype.__visualbackpropSections = true;
}
