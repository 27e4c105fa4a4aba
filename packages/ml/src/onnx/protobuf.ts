// The few protobuf wire-format pieces that writing an ONNX model takes: varints, length-delimited
// fields and packed repeated numbers. Messages are built bottom-up as byte arrays.

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

/** One field or a run of fields, ready to be concatenated into a message. */
export type Field = Uint8Array;

function varint(value: number | bigint): Uint8Array {
  // Negative int64s are written as their 64-bit two's complement, as protobuf does.
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

const tag = (field: number, wire: number) => varint((field << 3) | wire);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const intField = (field: number, value: number | bigint): Field =>
  concat([tag(field, WIRE_VARINT), varint(value)]);

export function floatField(field: number, value: number): Field {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return concat([tag(field, WIRE_FIXED32), bytes]);
}

export const bytesField = (field: number, value: Uint8Array): Field =>
  concat([tag(field, WIRE_BYTES), varint(value.length), value]);

export const stringField = (field: number, value: string): Field =>
  bytesField(field, new TextEncoder().encode(value));

/** A nested message: its fields concatenated, length-delimited. */
export const messageField = (field: number, fields: readonly Field[]): Field =>
  bytesField(field, concat(fields));

export const packedInts = (field: number, values: readonly number[]): Field =>
  bytesField(field, concat(values.map((v) => varint(v))));

export function packedFloats(field: number, values: readonly number[]): Field {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytesField(field, bytes);
}
