#!/usr/bin/python3
"""Golden outputs for the augmentation parity test (packages/ml/src/data/augment-parity.test.ts).

Run with Debian's PyTorch:  /usr/bin/python3 packages/ml/scripts/parity/make_augment_golden.py

Applies the PyTorch reference's fastai v1 augmentation (recipe_reference.py apply_augment: flip,
symmetric warp, rotation, zoom in one bilinear grid_sample with reflection padding, then
brightness and contrast in logit space) to a formula-generated square image under fixed draws
and under draws from the reference's own generator, and commits the draws and the pixels. The
TS test rebuilds the image from the same formula, applies the same draws with the studio's
pipeline and compares pixel by pixel.
"""
import importlib.util
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'src', 'data', 'golden', 'augment-parity.json')
SIZE = 16

spec = importlib.util.spec_from_file_location('recipe_reference', os.path.join(HERE, 'recipe_reference.py'))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def pixel(y, x, c):
    """The test image's value at row y, column x, channel c (the TS test has the same formula):
    a smooth ramp per channel plus a texture, so both interpolation and edges are exercised."""
    return (7 * x + 11 * y + 60 * c + ((x * y + 3 * c) % 7) * 9) % 256


def image():
    return torch.tensor([[[pixel(y, x, c) for x in range(SIZE)] for y in range(SIZE)] for c in range(3)],
                        dtype=torch.uint8)


NONE = {'row_pct': 0.5, 'col_pct': 0.5, 'flip': False, 'warp': None, 'rotate': None, 'zoom': None,
        'brightness': None, 'contrast': None}
FIXED = {
    'identity': {},
    'flip': {'flip': True},
    'warp': {'warp': [0.1, -0.15, 0.05, 0.2]},
    'rotate': {'rotate': 7.5},
    'zoom': {'zoom': [1.08, 0.3, 0.8]},
    'brightness': {'brightness': 0.58},
    'contrast': {'contrast': 0.85},
    'everything': {'flip': True, 'warp': [-0.2, 0.12, 0.18, -0.07], 'rotate': -9.0,
                   'zoom': [1.05, 0.9, 0.1], 'brightness': 0.42, 'contrast': 1.2},
}


def main():
    im = image()
    cases = [{'name': name, 'draw': {**NONE, **over}} for name, over in FIXED.items()]
    g = torch.Generator().manual_seed(5)
    for k in range(4):
        cases.append({'name': f'drawn {k}', 'draw': ref.draw_augment(g)})
    for case in cases:
        x = ref.apply_augment(im, SIZE, case['draw'])  # [3, size, size] in [0, 1]
        case['pixels'] = [round(v, 6) for v in x.permute(1, 2, 0).reshape(-1).tolist()]
    with open(OUT, 'w') as f:
        json.dump({'size': SIZE, 'source': 'scripts/parity/make_augment_golden.py',
                   'torch': torch.__version__, 'cases': cases}, f)
        f.write('\n')
    print(f'wrote {len(cases)} cases to {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
