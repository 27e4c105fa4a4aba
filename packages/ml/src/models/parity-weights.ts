import type { SafetensorsInput } from './safetensors';

// Deterministic "weights" for the PyTorch parity tests: each value is a pure function of the
// state-dict key and the element index, computed in float64 and rounded once to float32.
// Mirrors formula_tensor() in scripts/parity/make_golden.py line for line; the test checks that
// both produce byte-identical safetensors files (same sha256), so the formulas cannot drift.

/** FNV-1a, 32 bit, over the key's UTF-8 bytes. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** murmur3's fmix32 finaliser. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export const PARITY_INPUT_KEY = 'input';

/** The value formula per tensor kind (keep in sync with formula_tensor() in make_golden.py). */
export function parityTensor(key: string, shape: number[]): Float32Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const seed = fnv1a32(key);
  const value = valueFormula(key, shape);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = value(fmix32(seed + i) / 4294967296);
  return out;
}

function valueFormula(key: string, shape: number[]): (u: number) => number {
  if (key === PARITY_INPUT_KEY) return (u) => (2 * u - 1) * 2;
  if (key.endsWith('running_mean')) return (u) => (2 * u - 1) * 0.2;
  if (key.endsWith('running_var')) return (u) => 0.5 + u;
  if (shape.length === 1 && key.endsWith('.weight')) return (u) => 0.75 + 0.5 * u; // BatchNorm gamma
  if (shape.length === 1) return (u) => (2 * u - 1) * 0.1; // BatchNorm beta, fc bias
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const scale = Math.sqrt(3 / fanIn);
  return (u) => (2 * u - 1) * scale;
}

/** The state dict as make_golden.py writes it: keys in torchvision order, num_batches_tracked as I64 0. */
export function parityStateDict(keys: Array<[string, number[]]>): SafetensorsInput[] {
  return keys.map(([key, shape]) =>
    key.endsWith('num_batches_tracked')
      ? { name: key, shape, dtype: 'I64' as const, bytes: new Uint8Array(8) }
      : { name: key, shape, data: parityTensor(key, shape) },
  );
}
