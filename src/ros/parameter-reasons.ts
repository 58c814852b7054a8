/**
 * rclnodejs 2.2.0 checks a parameter against its descriptor (type, range, read-only) before any
 * on-set callback runs, and answers a value outside the range with `Parameter overlay_opacity does
 * not  readonly`: `ros2 param set` then tells the user nothing about what is allowed. This wraps
 * that check on rclnodejs's Node class so a refusal says why: the range, the type, or read-only.
 * The node's own callback (parameter-updates.ts) still judges choices of string parameters.
 */
import { errorText } from "../error-text";

/** The members of rclnodejs's ParameterDescriptor the reasons are made from. */
interface DescriptorLike {
  readonly readOnly: boolean;
  readonly type: number;
  readonly range?: { fromValue: number | bigint; toValue: number | bigint } | null;
  validateParameter(parameter: ParameterLike): void;
}

interface ParameterLike {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

interface ValidationResult {
  successful: boolean;
  reason: string | null;
}

interface NodePrototypeLike {
  _validateParameters?: (parameters: ParameterLike[], declareParameterMode?: boolean) => ValidationResult;
  hasParameterDescriptor?: (name: string) => boolean;
  getParameterDescriptor?: (name: string) => DescriptorLike;
  __visualbackpropReasons?: boolean;
}

const TYPE_NAMES: Record<number, string> = {
  0: "not set",
  1: "bool",
  2: "integer",
  3: "double",
  4: "string",
  5: "byte array",
  6: "bool array",
  7: "integer array",
  8: "double array",
  9: "string array",
};

function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

function valueText(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** Why `parameter` does not fit `descriptor`, in words a user can act on; undefined when it fits. */
export function parameterRefusal(
  descriptor: DescriptorLike,
  parameter: ParameterLike,
  declaring: boolean,
): string | undefined {
  if (!declaring && descriptor.readOnly) {
    return `${parameter.name} is read-only; restart the node to change it`;
  }
  if (descriptor.type !== parameter.type) {
    const hint =
      descriptor.type === 3 && parameter.type === 2 ? "; write doubles with a decimal point, e.g. 1.0" : "";
    return `${parameter.name} must be a ${typeName(descriptor.type)} (got ${typeName(parameter.type)}${hint})`;
  }
  try {
    descriptor.validateParameter(parameter);
  } catch (error) {
    const range = descriptor.range;
    if (range !== undefined && range !== null) {
      return `${parameter.name} must be in [${String(range.fromValue)}, ${String(range.toValue)}], got ${valueText(parameter.value)}`;
    }
    return `${parameter.name}: ${errorText(error)}`;
  }
  return undefined;
}

/**
 * Wraps `nodeClass.prototype._validateParameters` (once) so that a refusal carries the reason of
 * parameterRefusal. Leaves a class without that method as it is (another rclnodejs version).
 */
export function explainParameterRefusals(nodeClass: { prototype: unknown }): void {
  const prototype = nodeClass.prototype as NodePrototypeLike;
  const original = prototype._validateParameters;
  if (typeof original !== "function" || prototype.__visualbackpropReasons === true) return;
  prototype._validateParameters = function (
    this: NodePrototypeLike,
    parameters: ParameterLike[],
    declareParameterMode = false,
  ): ValidationResult {
    const result = original.call(this, parameters, declareParameterMode);
    if (result.successful) return result;
    for (const parameter of parameters) {
      if (this.hasParameterDescriptor?.(parameter.name) !== true) continue;
      const descriptor = this.getParameterDescriptor?.(parameter.name);
      if (descriptor === undefined) continue;
      const reason = parameterRefusal(descriptor, parameter, declareParameterMode);
      if (reason !== undefined) return { successful: false, reason };
    }
    return result;
  };
  prototype.__visualbackpropReasons = true;
}
