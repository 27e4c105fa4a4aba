// An ONNX graph under construction and its serialisation as a ModelProto (onnx/onnx.proto3
// field numbers), for the handful of message types a converted network needs.
import {
  bytesField,
  concat,
  floatField,
  intField,
  messageField,
  packedFloats,
  packedInts,
  stringField,
  type Field,
} from './protobuf';

/** ONNX opset the converter writes; ONNX Runtime 1.x runs it. */
export const OPSET = 13;
/** IR version that goes with opset 13. */
const IR_VERSION = 7;

const FLOAT = 1;
const INT64 = 7;

export type Attribute =
  | { i: number }
  | { f: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { s: string };

// AttributeProto.AttributeType
const ATTRIBUTE_TYPE = { f: 1, i: 2, s: 3, floats: 6, ints: 7 } as const;

function attributeField(name: string, attr: Attribute): Field {
  const fields: Field[] = [stringField(1, name)];
  if ('f' in attr) fields.push(floatField(2, attr.f), intField(20, ATTRIBUTE_TYPE.f));
  else if ('i' in attr) fields.push(intField(3, attr.i), intField(20, ATTRIBUTE_TYPE.i));
  else if ('s' in attr) fields.push(stringField(4, attr.s), intField(20, ATTRIBUTE_TYPE.s));
  else if ('floats' in attr)
    fields.push(packedFloats(7, attr.floats), intField(20, ATTRIBUTE_TYPE.floats));
  else fields.push(packedInts(8, attr.ints), intField(20, ATTRIBUTE_TYPE.ints));
  return messageField(5, fields);
}

/** A graph input or output: float32, each dimension a size or a symbolic name. */
export interface ValueSpec {
  name: string;
  dims: readonly (number | string)[];
}

function valueInfo(field: number, { name, dims }: ValueSpec): Field {
  const shape = dims.map((d) =>
    messageField(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]),
  );
  const tensorType = messageField(1, [intField(1, FLOAT), messageField(2, shape)]);
  return messageField(field, [stringField(1, name), messageField(2, [tensorType])]);
}

function tensorField(name: string, dims: readonly number[], data: Float32Array | BigInt64Array) {
  return messageField(5, [
    packedInts(1, dims),
    intField(2, data instanceof Float32Array ? FLOAT : INT64),
    stringField(8, name),
    bytesField(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
  ]);
}

export class OnnxGraph {
  private readonly nodes: Field[] = [];
  private readonly initializers: Field[] = [];
  private readonly used = new Set<string>();

  /** A tensor name not used yet, from a readable base (a layer's name). */
  uniqueName(base: string): string {
    let name = base;
    for (let n = 1; this.used.has(name); n++) name = `${base}_${n}`;
    this.used.add(name);
    return name;
  }

  /** A weight or constant (little-endian raw data, as ONNX stores it). */
  constant(base: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    const name = this.uniqueName(base);
    this.initializers.push(tensorField(name, dims, data));
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  node(
    opType: string,
    inputs: readonly string[],
    base: string,
    attributes: Record<string, Attribute> = {},
  ): string {
    const output = this.uniqueName(base);
    this.nodes.push(
      messageField(1, [
        ...inputs.map((input) => stringField(1, input)),
        stringField(2, output),
        stringField(3, output),
        stringField(4, opType),
        ...Object.entries(attributes).map(([name, attr]) => attributeField(name, attr)),
      ]),
    );
    return output;
  }

  /** The serialised ModelProto. */
  toModel(name: string, inputs: readonly ValueSpec[], outputs: readonly ValueSpec[]): Uint8Array {
    const graph = [
      ...this.nodes,
      stringField(2, name),
      ...this.initializers,
      ...inputs.map((v) => valueInfo(11, v)),
      ...outputs.map((v) => valueInfo(12, v)),
    ];
    return concat([
      intField(1, IR_VERSION),
      stringField(2, 'studio'),
      messageField(7, graph),
      messageField(8, [stringField(1, ''), intField(2, OPSET)]),
    ]);
  }
}
