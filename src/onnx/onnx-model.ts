import {
  fieldFloat,
  fieldInt,
  fieldString,
  pushFloats,
  pushInts,
  readFields,
  WireField,
  WireType,
} from "./protobuf";

/** ONNX TensorProto.DataType values this package reads or writes. */
export const enum OnnxDataType {
  Float = 1,
  Int32 = 6,
  Int64 = 7,
  Bool = 9,
}

export type AttributeValue = number | string | readonly number[] | readonly string[] | OnnxTensor;

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export interface OnnxTensor {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  /** Float32 tensors only; undefined for other types or external data. */
  readonly floatData?: Float32Array;
  /** Set when the tensor's data is kept in an external file (the file's `location`, or "?"). */
  readonly externalLocation?: string;
  /** Int64 tensors, as numbers. */
  readonly intData?: readonly number[];
}

/** A dimension is a fixed size, a symbolic name (such as a dynamic batch), or unknown. */
export type OnnxDim = number | string | undefined;

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number;
  /** Undefined when the value has no shape information at all. */
  readonly shape?: readonly OnnxDim[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  /** Graph inputs that are not initializers: what a caller feeds. */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly valueInfo: ReadonlyMap<string, OnnxValueInfo>;
}

/** A parsed model that keeps its original bytes, so it can be re-emitted with additions. */
export interface OnnxModel {
  readonly irVersion: number;
  /** Opset version of the default ("" or "ai.onnx") domain. */
  readonly opsetVersion: number;
  readonly producerName: string;
  readonly graph: OnnxGraph;
  /** The ModelProto bytes as read. */
  readonly bytes: Uint8Array;
}

/** Parses an ONNX ModelProto. Errors name what was malformed. */
export function parseOnnxModel(bytes: Uint8Array, what = "ONNX model"): OnnxModel {
  let fields: WireField[];
  try {
    fields = readFields(bytes, what);
  } catch (error) {
    throw new Error(`${what} is not a valid ONNX file: ${(error as Error).message}`, { cause: error });
  }
  let irVersion = 0;
  let opsetVersion: number | undefined;
  let producerName = "";
  let graphBytes: Uint8Array | undefined;
  for (const f of fields) {
    if (f.fieldNumber === 1 && f.wireType === WireType.Varint) irVersion = fieldInt(f);
    else if (f.fieldNumber === 2 && f.wireType === WireType.LengthDelimited) producerName = fieldString(f);
    else if (f.fieldNumber === 7 && f.wireType === WireType.LengthDelimited) graphBytes = f.bytes;
    else if (f.fieldNumber === 8 && f.wireType === WireType.LengthDelimited) {
      let domain = "";
      let version = 0;
      for (const g of readFields(f.bytes, `${what} opset_import`)) {
        if (g.fieldNumber === 1) domain = fieldString(g);
        else if (g.fieldNumber === 2) version = fieldInt(g);
      }
      if (domain === "" || domain === "ai.onnx") opsetVersion = version;
    }
  }
  if (graphBytes === undefined || irVersion === 0) {
    throw new Error(`${what} is not a valid ONNX file: no graph or no IR version`);
  }
  if (opsetVersion === undefined) throw new Error(`${what} imports no opset of the default ONNX domain`);
  return { irVersion, opsetVersion, producerName, graph: parseGraph(graphBytes, what), bytes };
}

function parseGraph(bytes: Uint8Array, what: string): OnnxGraph {
  let name = "";
  const nodes: OnnxNode[] = [];
  const initializers = new Map<string, OnnxTensor>();
  const allInputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const valueInfo = new Map<string, OnnxValueInfo>();
  for (const f of readFields(bytes, `${what} graph`)) {
    switch (f.fieldNumber) {
      case 1:
        nodes.push(parseNode(f.bytes, what));
        break;
      case 2:
        name = fieldString(f);
        break;
      case 5: {
        const t = parseTensor(f.bytes, what);
        initializers.set(t.name, t);
        break;
      }
      case 11:
        allInputs.push(parseValueInfo(f.bytes, what));
        break;
      case 12:
        outputs.push(parseValueInfo(f.bytes, what));
        break;
      case 13: {
        const v = parseValueInfo(f.bytes, what);
        valueInfo.set(v.name, v);
        break;
      }
    }
  }
  const inputs = allInputs.filter((v) => !initializers.has(v.name));
  return { name, nodes, initializers, inputs, outputs, valueInfo };
}

function parseNode(bytes: Uint8Array, what: string): OnnxNode {
  let name = "";
  let opType = "";
  let domain = "";
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes = new Map<string, AttributeValue>();
  for (const f of readFields(bytes, `${what} node`)) {
    if (f.fieldNumber === 1) inputs.push(fieldString(f));
    else if (f.fieldNumber === 2) outputs.push(fieldString(f));
    else if (f.fieldNumber === 3) name = fieldString(f);
    else if (f.fieldNumber === 4) opType = fieldString(f);
    else if (f.fieldNumber === 7) domain = fieldString(f);
    else if (f.fieldNumber === 5) {
      const [attrName, value] = parseAttribute(f.bytes, what);
      if (value !== undefined) attributes.set(attrName, value);
    }
  }
  return { name: name || `${opType}(${outputs[0] ?? "?"})`, opType, domain, inputs, outputs, attributes };
}

function parseAttribute(bytes: Uint8Array, what: string): [string, AttributeValue | undefined] {
  let name = "";
  let type = 0;
  let f32: number | undefined;
  let i64: number | undefined;
  let s: string | undefined;
  let t: OnnxTensor | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  for (const f of readFields(bytes, `${what} attribute`)) {
    switch (f.fieldNumber) {
      case 1:
        name = fieldString(f);
        break;
      case 20:
        type = fieldInt(f);
        break;
      case 2:
        f32 = fieldFloat(f);
        break;
      case 3:
        i64 = fieldInt(f);
        break;
      case 4:
        s = fieldString(f);
        break;
      case 5:
        t = parseTensor(f.bytes, what);
        break;
      case 7:
        pushFloats(f, floats);
        break;
      case 8:
        pushInts(f, ints, `${what} attribute ${name}`);
        break;
      case 9:
        strings.push(fieldString(f));
        break;
    }
  }
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8.
  switch (type) {
    case 1:
      return [name, f32 ?? 0];
    case 2:
      return [name, i64 ?? 0];
    case 3:
      return [name, s ?? ""];
    case 4:
      return [name, t];
    case 6:
      return [name, floats];
    case 7:
      return [name, ints];
    case 8:
      return [name, strings];
    default:
      return [name, undefined];
  }
}

function parseTensor(bytes: Uint8Array, what: string): OnnxTensor {
  let name = "";
  let dataType = 0;
  const dims: number[] = [];
  const floats: number[] = [];
  const ints: number[] = [];
  let raw: Uint8Array | undefined;
  let external = false;
  let location = "?";
  for (const f of readFields(bytes, `${what} tensor`)) {
    if (f.fieldNumber === 1) pushInts(f, dims, `${what} tensor dims`);
    else if (f.fieldNumber === 2) dataType = fieldInt(f);
    else if (f.fieldNumber === 4) pushFloats(f, floats);
    else if (f.fieldNumber === 7) pushInts(f, ints, `${what} tensor int64_data`);
    else if (f.fieldNumber === 8) name = fieldString(f);
    else if (f.fieldNumber === 9) raw = f.bytes;
    else if (f.fieldNumber === 14)
      external = fieldInt(f) === 1; // data_location EXTERNAL
    else if (f.fieldNumber === 13) {
      // external_data: key/value entries; "location" names the file.
      const entry = new Map<number, string>();
      for (const e of readFields(f.bytes, `${what} external_data`)) entry.set(e.fieldNumber, fieldString(e));
      if (entry.get(1) === "location") location = entry.get(2) ?? "?";
    }
  }
  if (external) return { name, dataType, dims, externalLocation: location };
  let floatData: Float32Array | undefined;
  let intData: number[] | undefined;
  if (dataType === OnnxDataType.Float) {
    if (raw !== undefined) {
      floatData = new Float32Array(raw.length / 4);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      for (let i = 0; i < floatData.length; i++) floatData[i] = view.getFloat32(i * 4, true);
    } else {
      floatData = Float32Array.from(floats);
    }
  } else if (dataType === OnnxDataType.Int64) {
    if (raw !== undefined) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      intData = [];
      for (let i = 0; i + 8 <= raw.length; i += 8) intData.push(Number(view.getBigInt64(i, true)));
    } else {
      intData = ints;
    }
  }
  return { name, dataType, dims, floatData, intData };
}

function parseValueInfo(bytes: Uint8Array, what: string): OnnxValueInfo {
  let name = "";
  let elemType = 0;
  let shape: OnnxDim[] | undefined;
  for (const f of readFields(bytes, `${what} value_info`)) {
    if (f.fieldNumber === 1) name = fieldString(f);
    else if (f.fieldNumber === 2) {
      for (const typeField of readFields(f.bytes, `${what} type`)) {
        if (typeField.fieldNumber !== 1) continue; // tensor_type
        for (const tf of readFields(typeField.bytes, `${what} tensor type`)) {
          if (tf.fieldNumber === 1) elemType = fieldInt(tf);
          else if (tf.fieldNumber === 2) {
            shape = [];
            for (const dimField of readFields(tf.bytes, `${what} shape`)) {
              if (dimField.fieldNumber !== 1) continue;
              let dim: OnnxDim;
              for (const d of readFields(dimField.bytes, `${what} dim`)) {
                if (d.fieldNumber === 1) dim = fieldInt(d);
                else if (d.fieldNumber === 2) dim = fieldString(d);
              }
              shape.push(dim);
            }
          }
        }
      }
    }
  }
  return { name, elemType, shape };
}

/** Integer attribute list with a default, e.g. strides. */
export function intsAttribute(node: OnnxNode, name: string, fallback: readonly number[]): number[] {
  const value = node.attributes.get(name);
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "number")) {
    throw new Error(`node '${node.name}' (${node.opType}): attribute '${name}' is not a list of integers`);
  }
  return [...(value as number[])];
}

export function intAttribute(node: OnnxNode, name: string, fallback: number): number {
  const value = node.attributes.get(name);
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new Error(`node '${node.name}' (${node.opType}): attribute '${name}' is not an integer`);
  }
  return value;
}

export function stringAttribute(node: OnnxNode, name: string, fallback: string): string {
  const value = node.attributes.get(name);
  if (value === undefined) return fallback;
  if (typeof value !== "string") {
    throw new Error(`node '${node.name}' (${node.opType}): attribute '${name}' is not a string`);
  }
  return value;
}
