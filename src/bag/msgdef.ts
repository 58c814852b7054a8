/**
 * ROS 2 message definitions (`.msg` text, the `ros2msg` encoding) parsed into a form the CDR
 * serializer can walk. Handles the concatenated-dependency text rosbag2 stores in MCAP schemas.
 */

/** Primitive types of ROS 2 `.msg` files. `byte` and `char` are 8-bit, as in ROS 2. */
export type PrimitiveType =
  | "bool"
  | "byte"
  | "char"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64"
  | "string"
  | "wstring";

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveType>([
  "bool",
  "byte",
  "char",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float32",
  "float64",
  "string",
  "wstring",
]);

/** True when `type` names a builtin rather than another message. */
export function isPrimitive(type: string): type is PrimitiveType {
  return PRIMITIVES.has(type);
}

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
  readonly type: PrimitiveType;
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

/** The package part of a type name. */
export function packageOf(typeName: string): string {
  return typeName.split("/")[0];
}

/** Strips a `#` comment that is not inside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return line.slice(0, i);
  }
  return line;
}

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  byte: [0n, 255n],
  char: [0n, 255n],
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) {
    return t.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
  }
  return t;
}

/** Parses one scalar literal of a primitive type, with a range check for integers. */
function parseScalar(type: PrimitiveType, text: string, where: string): number | bigint | boolean | string {
  const t = text.trim();
  if (type === "string" || type === "wstring") return unquote(t);
  if (type === "bool") {
    if (/^(true|1)$/i.test(t)) return true;
    if (/^(false|0)$/i.test(t)) return false;
    throw new Error(`${where}: expected true or false, got "${t}"`);
  }
  if (type === "float32" || type === "float64") {
    const v = Number(t);
    if (t === "" || Number.isNaN(v)) throw new Error(`${where}: expected a number, got "${t}"`);
    return v;
  }
  let v: bigint;
  try {
    v = BigInt(t);
  } catch {
    throw new Error(`${where}: expected an integer, got "${t}"`);
  }
  const [lo, hi] = INT_RANGES[type];
  if (v < lo || v > hi) throw new Error(`${where}: ${t} is out of range for ${type}`);
  return type === "int64" || type === "uint64" ? v : Number(v);
}

/** Parses a default value or constant, arrays written as `[a, b, c]`. */
function parseLiteral(type: string, isArray: boolean, text: string, where: string): MsgLiteral {
  if (!isPrimitive(type)) throw new Error(`${where}: only primitive fields can have a default value`);
  if (!isArray) return parseScalar(type, text, where);
  const t = text.trim();
  if (!t.startsWith("[") || !t.endsWith("]"))
    throw new Error(`${where}: expected an array literal [..], got "${t}"`);
  const body = t.slice(1, -1).trim();
  if (body === "") return [];
  // Split on commas outside quotes.
  const items: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const c of body) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ",") {
      items.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  items.push(current);
  return items.map((item) => parseScalar(type, item, where));
}

const TYPE_RE = /^([A-Za-z0-9_/]+)(?:<=(\d+))?(?:\[(<=)?(\d*)\])?$/;
const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Parses the text of one `.msg` file. `typeName` is the full or short name of the type; nested
 * types without a package are resolved in its package.
 */
export function parseMsgDefinition(text: string, typeName: string): MsgDefinition {
  const name = fullTypeName(typeName);
  const pkg = packageOf(name);
  const fields: MsgField[] = [];
  const constants: MsgConstant[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const where = `${name} line ${index + 1}`;
    const line = stripComment(raw).trim();
    if (line === "") return;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`${where}: expected "type name", got "${raw.trim()}"`);
    const [, typeText, rest] = m;
    const tm = TYPE_RE.exec(typeText);
    if (!tm) throw new Error(`${where}: cannot parse the type "${typeText}"`);
    const [, baseRaw, strBound, boundedMark, arrLen] = tm;
    const isArray = typeText.includes("[");
    const base = isPrimitive(baseRaw) ? baseRaw : fullTypeName(baseRaw, pkg);
    const eq = /^([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(rest);
    if (eq) {
      if (!isPrimitive(base) || isArray)
        throw new Error(`${where}: constants must be of a primitive, non-array type`);
      constants.push({ name: eq[1], type: base, value: parseScalar(base, eq[2], where) });
      return;
    }
    const fm = /^(\S+)(?:\s+(.*))?$/.exec(rest);
    if (!fm || !NAME_RE.test(fm[1])) throw new Error(`${where}: expected a field name, got "${rest}"`);
    const field: MsgField = {
      name: fm[1],
      type: base,
      isComplex: !isPrimitive(base),
      isArray,
      ...(isArray && arrLen !== "" && !boundedMark ? { arrayLength: Number(arrLen) } : {}),
      ...(isArray && boundedMark ? { arrayUpperBound: Number(arrLen) } : {}),
      ...(strBound !== undefined ? { stringUpperBound: Number(strBound) } : {}),
      ...(fm[2] !== undefined && fm[2].trim() !== ""
        ? { defaultValue: parseLiteral(base, isArray, fm[2], `${where} default of ${fm[1]}`) }
        : {}),
    };
    if (isArray && boundedMark && arrLen === "") throw new Error(`${where}: "[<=]" needs a bound`);
    fields.push(field);
  });
  return { name, fields, constants };
}

const SEPARATOR_RE = /^={10,}\s*$/;

/**
 * Parses a `ros2msg` schema as rosbag2 and MCAP store it: the root type's text, then for each
 * dependency a line of `=` signs, a line `MSG: pkg/Type`, and that type's text. Root first.
 */
export function parseRos2MsgSchema(text: string, rootTypeName: string): MsgDefinition[] {
  const sections: { name: string; lines: string[] }[] = [{ name: fullTypeName(rootTypeName), lines: [] }];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (SEPARATOR_RE.test(lines[i])) {
      let j = i + 1;
      while (j < lines.length && lines[j].trim() === "") j++;
      const m = /^MSG:\s*(\S+)\s*$/.exec(lines[j] ?? "");
      if (!m)
        throw new Error(`ros2msg schema of ${rootTypeName}: expected "MSG: pkg/Type" after a separator line`);
      sections.push({ name: fullTypeName(m[1]), lines: [] });
      i = j;
      continue;
    }
    sections[sections.length - 1].lines.push(lines[i]);
  }
  return sections.map((s) => parseMsgDefinition(s.lines.join("\n"), s.name));
}

/** Short name `pkg/Type` as used after `MSG:` in schema text. */
export function shortTypeName(fullName: string): string {
  const p = fullName.split("/");
  return p.length === 3 ? `${p[0]}/${p[2]}` : fullName;
}
