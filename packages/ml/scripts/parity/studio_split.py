"""The studio's seeded random split (packages/ml/src/data/items.ts splitByRandomPct), in plain
Python, so the PyTorch reference judges the same validation images as the studio's run with
the same seed. src/data/split-parity.integration.test.ts checks it against the TypeScript.

    python3 studio_split.py <n> <seed> [valid_pct]   # prints the validation indices as JSON
"""
import json
import math
import sys

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def _to_int32(x):
    """JavaScript's `Math.trunc(x) | 0`, as an unsigned 32-bit pattern."""
    return int(math.trunc(x)) & M32


def mix_seeds(*parts):
    """rng.ts mixSeeds: murmur3's mixing of each part, then its finaliser."""
    h = 0x9E3779B9
    for part in parts:
        k = _imul(_to_int32(part), 0xCC9E2D51)
        k = _imul(_rotl(k, 15), 0x1B873593)
        h ^= k
        h = (_imul(_rotl(h, 13), 5) + 0xE6546B64) & M32
    h ^= h >> 16
    h = _imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = _imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h


def mulberry32(seed):
    """rng.ts mulberry32: a generator of floats in [0, 1)."""
    a = seed & M32
    while True:
        a = (a + 0x6D2B79F5) & M32
        t = a
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        yield ((t ^ (t >> 14)) & M32) / 4294967296


def shuffled_indices(n, rng):
    """rng.ts shuffledIndices: Fisher-Yates over 0..n-1."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = min(i, math.floor(next(rng) * (i + 1)))
        order[i], order[j] = order[j], order[i]
    return order


def valid_indices(n, seed, valid_pct=0.2):
    """Indices (into the items in the studio's order) that splitByRandomPct makes validation."""
    order = shuffled_indices(n, mulberry32(mix_seeds(seed)))
    return sorted(order[: math.floor(valid_pct * n)])


if __name__ == '__main__':
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    pct = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    print(json.dumps(valid_indices(n, seed, pct)))
