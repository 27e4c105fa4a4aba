import { describe, expect, it } from 'vitest';
import {
  readSafetensors,
  SafetensorsFormatError,
  toFloat32,
  writeSafetensors,
} from './safetensors';

function fileWith(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const u16 = (values: number[]) => new Uint8Array(new Uint16Array(values).buffer);

describe('readSafetensors', () => {
  it('round-trips what writeSafetensors writes, with metadata, shapes and an 8-byte-aligned header', () => {
    const a = new Float32Array([1, -2.5, 3e-8, 4]);
    const b = new Float32Array([Math.PI]);
    const bytes = writeSafetensors([
      { name: 'a', shape: [2, 2], data: a },
      { name: 'b', shape: [1], data: b },
    ]);
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()]).toEqual(['a', 'b']);
    expect(file.tensors.get('a')!.shape).toEqual([2, 2]);
    expect(toFloat32(file.tensors.get('a')!)).toEqual(a);
    expect(toFloat32(file.tensors.get('b')!)).toEqual(b);
  });

  it('reads from a Buffer at an odd byte offset', () => {
    const bytes = writeSafetensors([{ name: 'x', shape: [3], data: new Float32Array([1, 2, 3]) }]);
    const padded = Buffer.alloc(bytes.length + 1);
    padded.set(bytes, 1);
    expect([...toFloat32(readSafetensors(padded.subarray(1)).tensors.get('x')!)]).toEqual([
      1, 2, 3,
    ]);
  });

  it('decodes F16 (normal, subnormal, infinite) and BF16 little-endian values', () => {
    const f16 = u16([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]);
    const bf16 = u16([0x3f80, 0x4049, 0xc2f7]);
    const file = readSafetensors(
      fileWith(
        {
          h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
          b: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] },
        },
        new Uint8Array([...f16, ...bf16]),
      ),
    );
    const h = toFloat32(file.tensors.get('h')!);
    expect([h[0], h[1], h[4]]).toEqual([1, -2, Infinity]);
    expect(h[2]).toBeCloseTo(0.33325, 5);
    expect(h[3]).toBeCloseTo(5.960464477539063e-8, 15);
    expect([...toFloat32(file.tensors.get('b')!)]).toEqual([1, 3.140625, -123.5]);
  });

  it('keeps integer tensors readable but refuses to use them as weights', () => {
    const file = readSafetensors(
      fileWith({ n: { dtype: 'I64', shape: [], data_offsets: [0, 8] } }, new Uint8Array(8)),
    );
    expect(file.tensors.get('n')!.dtype).toBe('I64');
    expect(() => toFloat32(file.tensors.get('n')!)).toThrow(
      /"n" is I64; only F32, F16, BF16 and F64/,
    );
  });

  it.each([
    ['a file shorter than the length field', new Uint8Array(4), /4 bytes, expected at least 8/],
    [
      'a header longer than the file',
      fileWith({}, new Uint8Array(0)).subarray(0, 9),
      /header length 2 does not fit in a 9-byte file/,
    ],
    ['a header that is not JSON', fileWith({}, new Uint8Array(0)).fill(0x7b, 8), /not valid JSON/],
    [
      'offsets that disagree with the shape',
      fileWith({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(8)),
      /"w" \(F32 \[2\]\) needs 8 bytes but data_offsets are \[0, 4\]/,
    ],
    [
      'offsets past the end',
      fileWith({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      /truncated or corrupt/,
    ],
    [
      'an unknown dtype',
      fileWith({ w: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /unknown dtype "F8"/,
    ],
  ])('rejects %s with a clear error', (_case, bytes, message) => {
    expect(() => readSafetensors(bytes)).toThrow(SafetensorsFormatError);
    expect(() => readSafetensors(bytes)).toThrow(message);
  });
});
