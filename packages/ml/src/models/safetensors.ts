// The safetensors format (https://github.com/huggingface/safetensors, "Format" section):
// 8-byte little-endian header length N, N bytes of JSON
// `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`, then the data
// region; offsets are relative to the start of the data region.

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** One tensor of a safetensors file; `bytes` is a view into the file's buffer (no copy). */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** A header larger than this is not a weight file (real ones are tens of kilobytes). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export class SafetensorsFormatError extends Error {
  override name = 'SafetensorsFormatError';
}

/** Parses a safetensors buffer. Tensors stay views into `buffer` until converted. */
export function readSafetensors(buffer: Uint8Array): SafetensorsFile {
  if (buffer.byteLength < 8) {
    throw new SafetensorsFormatError(
      `Not a safetensors file: ${buffer.byteLength} bytes, expected at least 8 (the header length).`,
    );
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > buffer.byteLength) {
    throw new SafetensorsFormatError(
      `Not a safetensors file: header length ${headerLength} does not fit in a ${buffer.byteLength}-byte file. ` +
        'The file may be truncated or not in safetensors format (a PyTorch .pth/.bin pickle is not supported).',
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(buffer.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsFormatError(
      `Not a safetensors file: the header is not valid JSON (${(error as Error).message}).`,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsFormatError('Not a safetensors file: the header is not a JSON object.');
  }
  const data = buffer.subarray(8 + headerLength);
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = info as Record<string, string>;
      continue;
    }
    tensors.set(name, parseEntry(name, info, data));
  }
  return { tensors, metadata };
}

function parseEntry(name: string, info: unknown, data: Uint8Array): SafetensorsEntry {
  const {
    dtype,
    shape,
    data_offsets: offsets,
  } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
    throw new SafetensorsFormatError(
      `Tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(BYTES_PER_ELEMENT).join(', ')}.`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SafetensorsFormatError(
      `Tensor "${name}" has an invalid shape ${JSON.stringify(shape)}.`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isInteger(o) && o >= 0)
  ) {
    throw new SafetensorsFormatError(
      `Tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}.`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const expectedBytes =
    (shape as number[]).reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype as SafetensorsDtype];
  if (end - begin !== expectedBytes || end > data.byteLength) {
    throw new SafetensorsFormatError(
      `Tensor "${name}" (${dtype} ${JSON.stringify(shape)}) needs ${expectedBytes} bytes but data_offsets are [${begin}, ${end}] ` +
        `in a ${data.byteLength}-byte data region; the file is truncated or corrupt.`,
    );
  }
  return {
    name,
    dtype: dtype as SafetensorsDtype,
    shape: shape as number[],
    bytes: data.subarray(begin, end),
  };
}

/** Converts a floating-point tensor (F32, F16, BF16, F64) to a fresh Float32Array. */
export function toFloat32(entry: SafetensorsEntry): Float32Array {
  // Copy into a new, aligned ArrayBuffer (not bytes.slice(): on a Node Buffer that is a view).
  // Typed arrays read in platform order; every platform Node runs on is little-endian, like the format.
  const aligned = new Uint8Array(entry.bytes).buffer;
  switch (entry.dtype) {
    case 'F32':
      return new Float32Array(aligned);
    case 'F64':
      return Float32Array.from(new Float64Array(aligned));
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const halves = new Uint16Array(aligned);
      const bits = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F16': {
      const halves = new Uint16Array(aligned);
      const out = new Float32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]!);
      return out;
    }
    default:
      throw new SafetensorsFormatError(
        `Tensor "${entry.name}" is ${entry.dtype}; only F32, F16, BF16 and F64 tensors can be used as weights.`,
      );
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** A tensor to write: float32 values, or raw little-endian bytes with their dtype. */
export type SafetensorsInput =
  | { name: string; shape: number[]; data: Float32Array }
  | { name: string; shape: number[]; dtype: SafetensorsDtype; bytes: Uint8Array };

/**
 * Serialises tensors in the given order. The header is compact JSON padded with spaces to a
 * multiple of 8 bytes, the layout scripts/parity/make_golden.py writes, so both produce
 * byte-identical files from the same tensors.
 */
export function writeSafetensors(
  tensors: SafetensorsInput[],
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const bytes =
      'data' in t ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : t.bytes;
    const dtype = 'data' in t ? 'F32' : t.dtype;
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = json.byteLength + ((8 - (json.byteLength % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength); // space padding
  let at = 8 + headerLength;
  for (const blob of blobs) {
    out.set(blob, at);
    at += blob.byteLength;
  }
  return out;
}
