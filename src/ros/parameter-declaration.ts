/**
 * Declares a table of parameters on an rclnodejs node: each with a descriptor (type, range,
 * description, read-only) so `ros2 param describe` explains it and rclnodejs enforces the range,
 * overrides from `--params-file` / `-p` applied, and the values read back through the one check
 * of `parameter-definition.ts`. visualbackprop_node and synthetic_camera both declare through it.
 */
import {
  checkParameterValue,
  type ParameterDefinition,
  type ParameterKind,
  type ParameterValue,
} from "./parameter-definition";
import type { RclApi, RosNode, RosParameter, RosParameterDescriptor, RosRange } from "./ros-api";
import { errorText } from "../error-text";

function rosType(rcl: RclApi, kind: ParameterKind): number {
  const types = rcl.ParameterType;
  switch (kind) {
    case "bool":
      return types.PARAMETER_BOOL;
    case "integer":
      return types.PARAMETER_INTEGER;
    case "double":
      return types.PARAMETER_DOUBLE;
    case "string":
      return types.PARAMETER_STRING;
    case "string_array":
      return types.PARAMETER_STRING_ARRAY;
  }
}

function kindName(rcl: RclApi, type: number): string {
  const entry = Object.entries(rcl.ParameterType).find(([, value]) => value === type);
  return entry === undefined ? `type ${type}` : entry[0].replace("PARAMETER_", "").toLowerCase();
}

/** rclnodejs's representation of a value: integers are bigint, arrays are copied. */
function toRosValue(definition: ParameterDefinition, value: ParameterValue): unknown {
  if (definition.kind === "integer" && typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) return [...value];
  return value;
}

/**
 * Reads a parameter's value in the definition's kind, or returns a reason it does not fit:
 * wrong type, outside the range, or not one of the choices.
 */
export function readParameterValue(
  rcl: RclApi,
  definition: ParameterDefinition,
  parameter: RosParameter,
): { value: ParameterValue } | { reason: string } {
  const expected = rosType(rcl, definition.kind);
  if (parameter.type !== expected) {
    const hint = definition.kind === "double" ? " (write doubles with a decimal point, e.g. 1.0)" : "";
    return {
      reason: `${definition.name} must be ${definition.kind}, got ${kindName(rcl, parameter.type)}${hint}`,
    };
  }
  return checkParameterValue(definition, parameter.value);
}

function buildDescriptor(rcl: RclApi, definition: ParameterDefinition): RosParameterDescriptor {
  let range: RosRange | undefined;
  if (definition.range !== undefined) {
    range =
      definition.kind === "integer"
        ? new rcl.IntegerRange(BigInt(definition.range.from), BigInt(definition.range.to), 1n)
        : // step 0: any value in the range (rclnodejs's default step is 1).
          new rcl.FloatingPointRange(definition.range.from, definition.range.to, 0);
  }
  const descriptor = new rcl.ParameterDescriptor(
    definition.name,
    rosType(rcl, definition.kind),
    definition.description,
    definition.readOnly,
    range,
  );
  if (definition.choices !== undefined)
    descriptor.additionalConstraints = `one of: ${definition.choices.join(", ")}`;
  return descriptor;
}

/**
 * An integer given for a double parameter (`overlay_opacity: 1` in YAML, `-p max_rate_hz:=10`)
 * would make rclnodejs refuse the declaration; it is taken as the double it means.
 */
function coercedOverride(
  rcl: RclApi,
  node: RosNode,
  definition: ParameterDefinition,
): RosParameter | undefined {
  if (definition.kind !== "double") return undefined;
  const override = node.getParameterOverrides().find((parameter) => parameter.name === definition.name);
  if (override === undefined || override.type !== rcl.ParameterType.PARAMETER_INTEGER) return undefined;
  const raw = override.value;
  if (typeof raw !== "bigint" && typeof raw !== "number") return undefined;
  return new rcl.Parameter(definition.name, rcl.ParameterType.PARAMETER_DOUBLE, Number(raw));
}

function declareOne(rcl: RclApi, node: RosNode, definition: ParameterDefinition): ParameterValue {
  const descriptor = buildDescriptor(rcl, definition);
  const coerced = coercedOverride(rcl, node, definition);
  const parameter =
    coerced ??
    new rcl.Parameter(
      definition.name,
      rosType(rcl, definition.kind),
      toRosValue(definition, definition.defaultValue),
    );
  let declared: RosParameter;
  try {
    declared = node.declareParameter(parameter, descriptor, coerced !== undefined);
  } catch (error) {
    const detail = errorText(error);
    throw new Error(`parameter ${definition.name}: ${detail}`, { cause: error });
  }
  const read = readParameterValue(rcl, definition, declared);
  if ("reason" in read) throw new Error(`parameter ${read.reason}`);
  return read.value;
}

/**
 * Declares each parameter of a table with its descriptor (overrides from `--params-file` / `-p`
 * apply) and returns the values by name. Throws one Error naming the parameter when a value does
 * not fit. Every executable of the package declares its parameters through this.
 */
export function declareParameters(
  rcl: RclApi,
  node: RosNode,
  definitions: readonly ParameterDefinition[],
): Map<string, ParameterValue> {
  return new Map(definitions.map((definition) => [definition.name, declareOne(rcl, node, definition)]));
}
