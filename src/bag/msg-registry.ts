/**
 * A set of known message definitions, looked up by type name. Decoding needs the definitions of a
 * type and everything it nests; writing a bag needs the full `ros2msg` schema text of a type.
 */
import type { MessageDefinition, MessageDefinitionField } from "@foxglove/message-definition";
import { packageMsgText, ROS_MSG_TEXT } from "./builtin-msgs";
import {
  fullTypeName,
  type MsgDefinition,
  parseMsgDefinition,
  parseRos2MsgSchema,
  shortTypeName,
} from "./msgdef";

interface Entry {
  readonly definition: MsgDefinition;
  /** The `.msg` text of this type alone, when known (used to build schemas). */
  readonly text?: string;
}

/** Message definitions by full type name `pkg/msg/Type`. */
export class MessageRegistry {
  readonly #entries = new Map<string, Entry>();
  #revision = 0;

  /** Changes whenever a definition is added, so users can drop what they built from older ones. */
  get revision(): number {
    return this.#revision;
  }

  /** A registry with the ROS 2 types the package uses and the package's own types. */
  static withBuiltins(): MessageRegistry {
    const registry = new MessageRegistry();
    for (const [type, text] of Object.entries(ROS_MSG_TEXT)) registry.addMsgText(type, text);
    for (const [type, text] of Object.entries(packageMsgText())) registry.addMsgText(type, text);
    return registry;
  }

  /** Adds one type from its `.msg` text. Replaces an earlier definition of the same name. */
  addMsgText(typeName: string, text: string): MsgDefinition {
    const definition = parseMsgDefinition(text, typeName);
    this.#entries.set(definition.name, { definition, text });
    this.#revision++;
    return definition;
  }

  /**
   * Adds a type and its dependencies from a `ros2msg` schema as stored in a bag. Types already
   * known are kept, so the package's own definitions win over what a bag says.
   */
  addRos2MsgSchema(typeName: string, schemaText: string): void {
    const definitions = parseRos2MsgSchema(schemaText, typeName);
    const sections = splitSections(schemaText);
    definitions.forEach((definition, i) => {
      if (!this.#entries.has(definition.name)) {
        this.#entries.set(definition.name, { definition, text: sections[i] });
      }
    });
    this.#revision++;
  }

  /** Whether the type and every type it nests are known. */
  has(typeName: string): boolean {
    try {
      this.dependencies(typeName);
      return true;
    } catch {
      return false;
    }
  }

  /** The definition of a type; throws naming the type when it is unknown. */
  get(typeName: string): MsgDefinition {
    const name = fullTypeName(typeName);
    const entry = this.#entries.get(name);
    if (!entry) throw new Error(`unknown message type "${typeName}": no definition is loaded for it`);
    return entry.definition;
  }

  /** All known type names. */
  typeNames(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** The type's nested types, depth first, each once, excluding the type itself. */
  dependencies(typeName: string): string[] {
    const root = this.get(typeName).name;
    const seen = new Set<string>([root]);
    const order: string[] = [];
    const visit = (name: string, path: string[]): void => {
      for (const field of this.get(name).fields) {
        if (!field.isComplex) continue;
        if (path.includes(field.type)) throw new Error(`message type ${root}: recursive type ${field.type}`);
        if (!this.#entries.has(field.type)) {
          throw new Error(`unknown message type "${field.type}" (field ${field.name} of ${name})`);
        }
        if (!seen.has(field.type)) {
          seen.add(field.type);
          order.push(field.type);
        }
        visit(field.type, [...path, field.type]);
      }
    };
    visit(root, [root]);
    return order;
  }

  /**
   * The type and everything it nests in `@foxglove/message-definition` form, root first, as
   * `@foxglove/rosmsg2-serialization` takes them.
   */
  libraryDefinitions(typeName: string): MessageDefinition[] {
    const root = this.get(typeName).name;
    return [root, ...this.dependencies(root)].map((name) => ({
      name,
      definitions: this.get(name).fields.map((f): MessageDefinitionField => ({
        name: f.name,
        type: f.type,
        isComplex: f.isComplex,
        isArray: f.isArray,
        arrayLength: f.arrayLength,
        arrayUpperBound: f.arrayUpperBound,
        upperBound: f.stringUpperBound,
        defaultValue: f.defaultValue as MessageDefinitionField["defaultValue"],
      })),
    }));
  }

  /**
   * The `ros2msg` schema text for a type, with its dependencies appended the way rosbag2 writes
   * them, so tools such as Foxglove can decode messages without the ROS 2 packages.
   */
  ros2MsgSchema(typeName: string): string {
    const root = this.get(typeName).name;
    const parts = [this.#text(root)];
    for (const dep of this.dependencies(root)) {
      parts.push(`${"=".repeat(80)}\nMSG: ${shortTypeName(dep)}\n${this.#text(dep)}`);
    }
    return parts.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("\n");
  }

  #text(name: string): string {
    const entry = this.#entries.get(name);
    if (entry?.text === undefined) throw new Error(`message type ${name}: its .msg text is not known`);
    return entry.text;
  }
}

/** Splits schema text into the per-type texts, root first. */
function splitSections(schemaText: string): string[] {
  const out: string[][] = [[]];
  const lines = schemaText.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (/^={10,}\s*$/.test(lines[i])) {
      let j = i + 1;
      while (j < lines.length && lines[j].trim() === "") j++;
      out.push([]);
      i = j;
      continue;
    }
    out[out.length - 1].push(lines[i]);
  }
  return out.map((l) => l.join("\n"));
}
