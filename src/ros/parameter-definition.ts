/**
 * What a ROS parameter of this package is (kind, default, range, choices) and the one check of a
 * value against it. Used by the node's table (`parameters.ts`), by synthetic_camera, by the
 * rclnodejs declaration (`parameter-declaration.ts`) and by the viewer's reading of a parameter
 * file without ROS (`view/node-params.ts`), so every path refuses the same values the same way.
 */

export type ParameterKind = "bool" | "integer" | "double" | "string" | "string_array";
export type ParameterValue = boolean | number | string | readonly string[];

/** One row of a parameter table. */
export interface ParameterDefinition {
  readonly name: string;
  readonly kind: ParameterKind;
  readonly defaultValue: ParameterValue;
  readonly description: string;
  readonly readOnly: boolean;
  /** Inclusive numeric range. */
  readonly range?: { readonly from: number; readonly to: number };
  /** Allowed strings. */
  readonly choices?: readonly string[];
}

/** "a" or "b" for two choices, "one of a, b, c" for more. */
function choiceText(choices: readonly string[]): string {
  return choices.length === 2 ? `"${choices[0]}" or "${choices[1]}"` : `one of ${choices.join(", ")}`;
}

/**
 * Checks a plain value (already in JavaScript form: integers as numbers) against the definition:
 * its kind, range and choices. The reason starts with the parameter's name.
 */
export function checkParameterValue(
  definition: ParameterDefinition,
  raw: unknown,
): { value: ParameterValue } | { reason: string } {
  const { name } = definition;
  let value: ParameterValue;
  switch (definition.kind) {
    case "bool":
      if (typeof raw !== "boolean") return { reason: `${name} must be a bool` };
      value = raw;
      break;
    case "integer":
      if (typeof raw !== "bigint" && !(typeof raw === "number" && Number.isInteger(raw))) {
        return { reason: `${name} must be an integer` };
      }
      value = Number(raw);
      break;
    case "double":
      if (typeof raw !== "number" || !Number.isFinite(raw))
        return { reason: `${name} must be a finite double` };
      value = raw;
      break;
    case "string":
      if (typeof raw !== "string") return { reason: `${name} must be a string` };
      value = raw;
      break;
    case "string_array":
      if (!Array.isArray(raw) || !raw.every((item): item is string => typeof item === "string")) {
        return { reason: `${name} must be a list of strings, got ${JSON.stringify(raw)}` };
      }
      value = [...raw];
      break;
  }
  if (definition.range !== undefined && typeof value === "number") {
    const { from, to } = definition.range;
    if (value < from || value > to) return { reason: `${name} must be in [${from}, ${to}], got ${value}` };
  }
  if (definition.choices !== undefined && typeof value === "string" && !definition.choices.includes(value)) {
    return { reason: `${name} must be ${choiceText(definition.choices)}, got "${value}"` };
  }
  return { value };
}
