/**
 * ROS 2 message definitions (`.msg` text, the `ros2msg` encoding), parsed by `@foxglove/rosmsg`
 * and put in the form the registry and serializer use: full type names `pkg/msg/Type` resolved
 * the way rosidl does, `builtin_interfaces/Time` kept as the message it is, and parse errors that
 * name the type and line.
 */
import type { MessageDefinition, MessageDefinitionField } from "@foxglove/message-definition";
import { parse } from "@foxglove/rosmsg";

/** A constant or default value as written in the definition. Integers of 64 bits are bigint. */
export type MsgLiteral = number | bigint | boolean | string | readonly (number | bigint | boolean | string)[];

/** One field of a message. */
export interface MsgField {
  readonly name: string;
  /** A primitive, or the full name `pkg/msg/Type` of a nested message. */
  readonly type: string;
  readonly isComplex: boolean;
  readonly isArray: boolean;
  /** Length of a fixed-size array `T[N]`. */
  readonly arrayLength?: number;
  /** Bound of a bounded sequence `T[<=N]` (not enforced on read; checked on write). */
  readonly arrayUpperBound?: number;
  /** Bound of a bounded string `string<=N`. */
  readonly stringUpperBound?: number;
  readonly defaultValue?: MsgLiteral;
}

/** A constant declared in a message (`uint8 FOO=1`); not part of the serialized bytes. */
export interface MsgConstant {
  readonly name: string;
  readonly type: string;
  readonly value: MsgLiteral;
}

/** A parsed message type. */
export interface MsgDefinition {
  /** Full name, `pkg/msg/Type`. */
  readonly name: string;
  readonly fields: readonly MsgField[];
  readonly constants: readonly MsgConstant[];
}

/**
 * Normalises a type name to `pkg/msg/Type`. Accepts `pkg/Type`, `pkg/msg/Type`, and a bare `Type`
 * (resolved in `contextPackage`, as rosidl does; a bare `Header` means `std_msgs/msg/Header`).
 */
export function fullTypeName(name: string, contextPackage?: string): string {
  const parts = name.split("/");
  if (parts.length === 3) return name;
  if (parts.length === 2) return `${parts[0]}/msg/${parts[1]}`;
  if (parts.length === 1 && name === "Header") return "std_msgs/msg/Header";
  if (parts.length === 1 && contextPackage) return `${contextPackage}/msg/${name}`;
  throw new Error(`message type "${name}": expected "pkg/Type" or "pkg/msg/Type"`);
}

/** Short name `pkg/Type` as used after `MSG:` in schema text. */
export function shortTypeName(fullName: string): string {
  const p = fullName.split("/");
  return p.length === 3 ? `${p[0]}/${p[2]}` : fullName;
}

/**
 * The library turns ROS 2's `builtin_interfaces/Time` and `Duration` into ROS 1 style primitives;
 * the project keeps them as the messages they are (their schema text is written into bags).
 */
const BUILTIN_TIME: Readonly<Record<string, string>> = {
  time: "builtin_interfaces/msg/Time",
  duration: "builtin_interfaces/msg/Duration",
};

function toField(f: MessageDefinitionField, pkg: string): MsgField {
  const time = BUILTIN_TIME[f.type];
  const isComplex = time !== undefined || f.isComplex === true;
  return {
    name: f.name,
    type: time ?? (isComplex ? fullTypeName(f.type, pkg) : f.type),
    isComplex,
    isArray: f.isArray === true,
    ...(f.arrayLength !== undefined ? { arrayLength: f.arrayLength } : {}),
    ...(f.arrayUpperBound !== undefined ? { arrayUpperBound: f.arrayUpperBound } : {}),
    ...(f.upperBound !== undefined ? { stringUpperBound: f.upperBound } : {}),
    ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
  };
}

function toDefinition(def: MessageDefinition, name: string): MsgDefinition {
  const pkg = name.split("/")[0];
  return {
    name,
    fields: def.definitions.filter((f) => f.isConstant !== true).map((f) => toField(f, pkg)),
    constants: def.definitions
      .filter((f) => f.isConstant === true)
      .map((f) => ({ name: f.name, type: f.type, value: f.value as MsgLiteral })),
  };
}

/** Parses `.msg` text, rephrasing the library's errors in the project's words with the line. */
function parseText(text: string, where: string): MessageDefinition[] {
  try {
    return parse(text, { ros2: true, skipTypeFixup: true });
  } catch (err) {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (/^={10,}\s*$/.test(lines[i]) || /^MSG:/.test(lines[i])) continue;
      try {
        parse(lines[i], { ros2: true, skipTypeFixup: true });
      } catch (lineErr) {
        throw new Error(`${where} line ${i + 1}: ${rephrase((lineErr as Error).message, lines[i])}`, {
          cause: lineErr,
        });
      }
    }
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

/** The library's parse errors, said the way the rest of the project says them. */
function rephrase(message: string, line: string): string {
  const type = line.trim().split(/\s+/)[0];
  const text = line.trim();
  let m = /^Number (\S+) out of range/.exec(message);
  if (m) return `${m[1]} is out of range for ${type}`;
  m = /^Invalid literal of type (\w+): (.*)$/.exec(message);
  if (m) return `expected ${/^float/.test(m[1]) ? "a number" : `a ${m[1]} value`}, got "${m[2]}"`;
  if (/^Could not parse line/.test(message)) return `expected "type name", got "${text}"`;
  m = /^Invalid field name: (.*)$/.exec(message);
  if (m) return `expected a field name, got "${m[1]}"`;
  return message;
}

/**
 * Parses the text of one `.msg` file. `typeName` is the full or short name of the type; nested
 * types without a package are resolved in its package.
 */
export function parseMsgDefinition(text: string, typeName: string): MsgDefinition {
  const name = fullTypeName(typeName);
  const [root] = parseText(text, name);
  return toDefinition(root ?? { definitions: [] }, name);
}

/**
 * Parses a `ros2msg` schema as rosbag2 and MCAP store it: the root type's text, then for each
 * dependency a line of `=` signs, a line `MSG: pkg/Type`, and that type's text. Root first.
 */
export function parseRos2MsgSchema(text: string, rootTypeName: string): MsgDefinition[] {
  const root = fullTypeName(rootTypeName);
  return parseText(text, `ros2msg schema of ${rootTypeName}`).map((def, i) =>
    toDefinition(def, i === 0 ? root : fullTypeName(def.name ?? "")),
  );
}
