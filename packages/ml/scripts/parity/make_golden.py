#!/usr/bin/python3
"""Golden outputs for the ResNet parity tests (packages/ml/src/models/resnet-parity.integration.test.ts).

Run with Debian's PyTorch:  /usr/bin/python3 packages/ml/scripts/parity/make_golden.py

The weights are not random draws from torch.manual_seed: resnet18 alone is 47 MB, too big to
commit. Instead every tensor is a pure function of its state-dict key and element index
(murmur3's fmix32 over FNV-1a(key) + index, scaled per tensor kind), computed in float64 and
rounded once to float32, so src/models/parity-weights.ts regenerates the identical bytes at
test time. This script writes the weights as safetensors (hand-rolled with struct + json, so it
needs no `safetensors` module), loads them into torchvision, runs a formula-generated input in
eval mode and commits only small JSON: the logits, the sha256 of the weight file (which the TS
test checks to prove both formulas agree byte for byte) and torchvision's state-dict keys.
"""
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_DIR = os.path.join(HERE, '..', '..', 'src', 'models', 'golden')

# Input shape per model, NCHW. 67 is odd on purpose: explicit padding must match PyTorch where
# TensorFlow's 'same' padding would not.
CASES = {'resnet18': [2, 3, 67, 67], 'resnet50': [2, 3, 64, 64]}
INPUT_KEY = 'input'


def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode('utf-8'):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def uniform01(key, count):
    """fmix32(fnv1a(key) + i) / 2**32 for i in [0, count), as float64."""
    h = ((np.arange(count, dtype=np.uint64) + np.uint64(fnv1a32(key))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h.astype(np.float64) / 4294967296.0


def formula_tensor(key, shape):
    """Keep in sync with parityTensor() in src/models/parity-weights.ts."""
    n = int(np.prod(shape))
    u = uniform01(key, n)
    if key == INPUT_KEY:
        v = (2.0 * u - 1.0) * 2.0
    elif key.endswith('running_mean'):
        v = (2.0 * u - 1.0) * 0.2
    elif key.endswith('running_var'):
        v = 0.5 + u
    elif len(shape) == 1 and key.endswith('.weight'):  # BatchNorm gamma
        v = 0.75 + 0.5 * u
    elif len(shape) == 1:  # BatchNorm beta, fc bias
        v = (2.0 * u - 1.0) * 0.1
    else:  # conv / linear weight: uniform with variance 1 / fan_in, keeps activations O(1)
        fan_in = int(np.prod(shape[1:]))
        v = (2.0 * u - 1.0) * math.sqrt(3.0 / fan_in)
    return v.astype(np.float32).reshape(shape)


def safetensors_bytes(entries):
    """entries: list of (key, np.ndarray). Header layout matches writeSafetensors() in TS."""
    header = {'__metadata__': {'format': 'pt'}}
    offset = 0
    blobs = []
    for key, arr in entries:
        dtype = {np.dtype('float32'): 'F32', np.dtype('int64'): 'I64'}[arr.dtype]
        blob = arr.astype(arr.dtype.newbyteorder('<')).tobytes()
        header[key] = {'dtype': dtype, 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(blobs)


def formula_state_dict(model):
    entries = []
    for key, t in model.state_dict().items():
        if key.endswith('num_batches_tracked'):
            # Kept in the file (as real checkpoints do) so the reader must skip an I64 tensor.
            entries.append((key, np.zeros((), dtype=np.int64)))
        else:
            entries.append((key, formula_tensor(key, list(t.shape))))
    return entries


def load_safetensors(data):
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for key, info in header.items():
        if key == '__metadata__':
            continue
        a, b = info['data_offsets']
        dtype = {'F32': np.float32, 'I64': np.int64}[info['dtype']]
        out[key] = torch.from_numpy(np.frombuffer(data[base + a:base + b], dtype=dtype).copy().reshape(info['shape']))
    return out


def float32_list(values):
    # 9 significant digits round-trip a float32 exactly.
    return [float(f'{v:.9g}') for v in values]


def main():
    # Building a model draws a random init, which load_state_dict(strict=True) then overwrites entirely;
    # seeded anyway so nothing in a run depends on the clock.
    torch.manual_seed(0)
    torch.set_num_threads(1)
    out_dir = sys.argv[1] if len(sys.argv) > 1 else None  # optional: also keep the .safetensors files
    golden = {
        'generator': 'packages/ml/scripts/parity/make_golden.py',
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'inputKey': INPUT_KEY,
        'models': {},
    }
    keys = {}
    for arch in ['resnet18', 'resnet34', 'resnet50']:
        model = getattr(torchvision.models, arch)()
        keys[arch] = [[k, list(t.shape)] for k, t in model.state_dict().items()]
        if arch not in CASES:
            continue
        data = safetensors_bytes(formula_state_dict(model))
        if out_dir:
            with open(os.path.join(out_dir, f'{arch}-parity.safetensors'), 'wb') as f:
                f.write(data)
        # Load through the file, not the arrays, so the golden numbers come from what TS reads.
        model.load_state_dict(load_safetensors(data), strict=True)
        model.eval()
        shape = CASES[arch]
        x = torch.from_numpy(formula_tensor(INPUT_KEY, shape))
        with torch.no_grad():
            logits = model(x).numpy()
        golden['models'][arch] = {
            'inputShapeNCHW': shape,
            'weightsSha256': hashlib.sha256(data).hexdigest(),
            'weightsBytes': len(data),
            'maxAbsLogit': float(np.abs(logits).max()),
            'logits': [float32_list(row) for row in logits.tolist()],
        }
        print(arch, 'max|logit|', float(np.abs(logits).max()), 'std', float(logits.std()), 'bytes', len(data))
    with open(os.path.join(GOLDEN_DIR, 'resnet-parity.json'), 'w') as f:
        json.dump(golden, f, indent=1)
        f.write('\n')
    with open(os.path.join(GOLDEN_DIR, 'torchvision-state-dict.json'), 'w') as f:
        json.dump({'torchvision': torchvision.__version__, 'keys': keys}, f)
        f.write('\n')


if __name__ == '__main__':
    main()
