#!/usr/bin/python3
"""The PyTorch reference of the lesson's recipe (fastai v1, 2019 lesson 1) on an offline
MobileNetV2 backbone (--arch mobilenet_v2_0.35, the default, or mobilenet_v2_1.0).

Run with Debian's PyTorch, one thread:
  /usr/bin/python3 packages/ml/scripts/parity/recipe_reference.py \
      --data ../shared/datasets/sign-language-digits --bn train --json
  /usr/bin/python3 packages/ml/scripts/parity/recipe_reference.py --arch mobilenet_v2_1.0 \
      --data ../shared/datasets/clothing-small --json

What it does:
  * converts the TensorFlow.js LayersModel in
    ../shared/pretrained/mobilenet-v2-0.35-teachable-machine (Keras topology + weights.bin; or
    mobilenet-v2-1.0-imagenet, whose BatchNorm is folded into its convolutions)
    into an equivalent torch.nn.Module: a generic interpreter of the Keras layer configs
    (Conv2D, DepthwiseConv2D, BatchNormalization, ReLU, ZeroPadding2D, Add, ...) with
    TensorFlow's 'same' padding reproduced exactly. The body is everything up to the last
    ReLU6 feature map (`out_relu` / `conv_35`, 1280 x 7 x 7 at 224 px), without the global
    pooling.
  * builds the data like fastai v1 ImageDataBunch.from_folder(..., ds_tfms=get_transforms(),
    size=224, bs=64): a 20 % random validation split drawn like the studio's with
    --split-seed (default 42, the lesson's; --split fastai draws fastai's numpy permutation),
    or the dataset's own train/ + validation/ folders; ResizeMethod.CROP (short side to 224;
    centre crop for validation, random crop for training), shuffled training batches with
    drop_last.
  * augments training images the way fastai v1's get_transforms() defaults do, in one
    grid_sample with reflection padding: flip_lr p 0.5; symmetric_warp magnitude 0.2 p 0.75;
    rotate +-10 deg p 0.75; rand_zoom 1..1.1 (random centre) p 0.75; brightness 0.4..0.6 and
    contrast 0.8..1.25 (in logit space) each p 0.75; then maps pixels to the backbone's
    [-1, 1].
  * puts fastai's create_head on top: AdaptiveConcatPool2d -> Flatten -> BN1d(2560) ->
    Dropout(0.25) -> Linear(2560, 512) -> ReLU -> BN1d(512) -> Dropout(0.5) -> Linear(512, C),
    Linear weights kaiming_normal_, biases 0.
  * trains with fastai v1's Learner defaults: Adam betas (0.9, 0.99), eps 1e-8, true (decoupled)
    weight decay 0.01 on every trainable parameter including BatchNorm (bn_wd=True), the
    studio's layer groups (packages/ml/src/models/architectures.ts: the 0.35 body split at
    block_6_expand, the 1.0 body at conv_13 and conv_25, then the head), fit_one_cycle with fastai's own
    schedule (cosine warm-up over 30 % from max_lr/25 to max_lr, cosine down to
    max_lr/25/1e4; beta1 0.95 -> 0.85 -> 0.95), stepped per batch.
      stage 1: body frozen except its BatchNorm layers (train_bn=True), 4 epochs, max_lr 3e-3
      stage 2: everything trainable, 2 epochs, max_lr=slice(1e-6, 1e-4) -> per-group
               lrs geometric from 1e-6 to 1e-4 ([1e-6, 1e-5, 1e-4] for three groups); a fresh
               optimiser (fastai's unfreeze() recreates it).
  * --bn eval keeps every body BatchNorm on its pretrained running statistics (eval mode) in
    both stages, its affine parameters still trainable.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

import studio_split

# The studio's shared folder: STUDIO_SHARED_DIR, else shared/ beside the repository.
SHARED_DIR = os.environ.get('STUDIO_SHARED_DIR') or os.path.abspath(
    os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..', 'shared'))
# Folder and body group starts of each offline backbone, as the studio's registry has them.
ARCHS = {
    'mobilenet_v2_0.35': ('mobilenet-v2-0.35-teachable-machine', ['block_6_expand']),
    'mobilenet_v2_1.0': ('mobilenet-v2-1.0-imagenet', ['conv_13', 'conv_25']),
}
DEFAULT_MODEL_DIR = os.path.join(SHARED_DIR, 'pretrained', ARCHS['mobilenet_v2_0.35'][0])
# The studio's extensions (src/data/items.ts), so both list the same files.
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif')


# ---------------------------------------------------------------------------------------------
# Keras (TensorFlow.js LayersModel) -> torch
# ---------------------------------------------------------------------------------------------

def _pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def _same_pad(x, kernel, strides, dilation):
    """TensorFlow 'same' padding: total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0),
    before = total // 2, after = total - before (the extra pixel goes bottom/right)."""
    pads = []
    for dim, k, s, d in ((x.shape[2], kernel[0], strides[0], dilation[0]),
                         (x.shape[3], kernel[1], strides[1], dilation[1])):
        out = -(-dim // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - dim, 0)
        pads.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = pads
    if top or bottom or left or right:
        x = F.pad(x, (left, right, top, bottom))
    return x


def _activation(name):
    if name in (None, 'linear'):
        return None
    table = {'relu': F.relu, 'relu6': F.relu6, 'sigmoid': torch.sigmoid, 'tanh': torch.tanh,
             'swish': F.silu, 'elu': F.elu, 'softplus': F.softplus,
             'hard_sigmoid': lambda t: torch.clamp(0.2 * t + 0.5, 0.0, 1.0),
             'softmax': lambda t: F.softmax(t, dim=1)}
    if name not in table:
        raise NotImplementedError(f'activation {name!r}')
    return table[name]


class KConv2d(nn.Module):
    """Conv2D / DepthwiseConv2D with Keras padding semantics."""

    def __init__(self, cfg, in_ch, depthwise):
        super().__init__()
        if cfg.get('data_format', 'channels_last') != 'channels_last':
            raise NotImplementedError('channels_first Keras layers')
        self.kernel = _pair(cfg['kernel_size'])
        self.strides = _pair(cfg.get('strides', 1))
        self.dilation = _pair(cfg.get('dilation_rate', 1))
        self.padding = cfg.get('padding', 'valid')
        self.depthwise = depthwise
        if depthwise:
            mult = cfg.get('depth_multiplier', 1)
            out_ch, groups = in_ch * mult, in_ch
        else:
            out_ch, groups = cfg['filters'], 1
        self.out_ch = out_ch
        self.conv = nn.Conv2d(in_ch, out_ch, self.kernel, self.strides, 0, self.dilation, groups,
                              bias=cfg.get('use_bias', True))
        self.act = _activation(cfg.get('activation'))

    def load(self, w):
        if self.depthwise:  # [kh, kw, in, mult] -> [in*mult, 1, kh, kw]
            k = w['depthwise_kernel']
            kh, kw, cin, mult = k.shape
            t = k.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)
        else:  # [kh, kw, in, out] -> [out, in, kh, kw]
            t = w['kernel'].transpose(3, 2, 0, 1)
        self.conv.weight.data.copy_(torch.from_numpy(np.ascontiguousarray(t)))
        if self.conv.bias is not None:
            self.conv.bias.data.copy_(torch.from_numpy(w['bias']))

    def forward(self, x):
        if self.padding == 'same':
            x = _same_pad(x, self.kernel, self.strides, self.dilation)
        elif self.padding != 'valid':
            raise NotImplementedError(f'padding {self.padding!r}')
        x = self.conv(x)
        return self.act(x) if self.act else x


class KBatchNorm(nn.BatchNorm2d):
    """Keras BatchNormalization (channels last axis) as torch BatchNorm2d; epsilon from the
    config, momentum is torch's 0.1 (fastai trains with torch's default)."""

    def __init__(self, cfg, ch):
        axis = cfg.get('axis', -1)
        if axis not in (-1, 3, [-1], [3]):
            raise NotImplementedError(f'BatchNormalization axis {axis}')
        super().__init__(ch, eps=cfg.get('epsilon', 1e-3), momentum=0.1, affine=True)
        self.center = cfg.get('center', True)
        self.scale = cfg.get('scale', True)

    def load(self, w):
        self.weight.data.copy_(torch.from_numpy(w['gamma']) if self.scale else torch.ones_like(self.weight))
        self.bias.data.copy_(torch.from_numpy(w['beta']) if self.center else torch.zeros_like(self.bias))
        self.running_mean.copy_(torch.from_numpy(w['moving_mean']))
        self.running_var.copy_(torch.from_numpy(w['moving_variance']))
        # A Keras BN without scale/center has no such parameter: keep it fixed.
        self.weight.requires_grad_(self.scale)
        self.bias.requires_grad_(self.center)


class KReLU(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.max_value = cfg.get('max_value')
        self.slope = cfg.get('negative_slope', 0.0) or 0.0
        self.threshold = cfg.get('threshold', 0.0) or 0.0

    def forward(self, x):
        if self.slope == 0 and self.threshold == 0:
            return torch.clamp(x, 0.0, self.max_value) if self.max_value is not None else F.relu(x)
        y = torch.where(x >= self.threshold, x, self.slope * (x - self.threshold))
        return torch.clamp(y, max=self.max_value) if self.max_value is not None else y


class KActivation(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fn = _activation(cfg['activation'])

    def forward(self, x):
        return self.fn(x) if self.fn else x


class KZeroPad(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        p = cfg['padding']
        if isinstance(p, int):
            p = [[p, p], [p, p]]
        elif isinstance(p[0], int):
            p = [[p[0], p[0]], [p[1], p[1]]]
        (self.top, self.bottom), (self.left, self.right) = p

    def forward(self, x):
        return F.pad(x, (self.left, self.right, self.top, self.bottom))


class KMerge(nn.Module):
    def __init__(self, kind, cfg):
        super().__init__()
        self.kind = kind
        self.axis = cfg.get('axis', -1)

    def forward(self, *xs):
        if self.kind == 'Add':
            out = xs[0]
            for t in xs[1:]:
                out = out + t
            return out
        if self.kind == 'Multiply':
            out = xs[0]
            for t in xs[1:]:
                out = out * t
            return out
        if self.kind == 'Concatenate':
            if self.axis not in (-1, 3):
                raise NotImplementedError('Concatenate on a non-channel axis')
            return torch.cat(xs, dim=1)
        raise NotImplementedError(self.kind)


class KPool(nn.Module):
    def __init__(self, kind, cfg):
        super().__init__()
        self.kind = kind
        if kind in ('MaxPooling2D', 'AveragePooling2D'):
            self.size = _pair(cfg.get('pool_size', 2))
            self.strides = _pair(cfg.get('strides') or self.size)
            self.padding = cfg.get('padding', 'valid')

    def forward(self, x):
        if self.kind == 'GlobalAveragePooling2D':
            return x.mean(dim=(2, 3))
        if self.kind == 'GlobalMaxPooling2D':
            return x.amax(dim=(2, 3))
        if self.padding == 'same':
            if self.kind == 'AveragePooling2D':
                raise NotImplementedError("AveragePooling2D padding='same'")
            x = _same_pad(x, self.size, self.strides, (1, 1))  # zeros are fine after a ReLU only
        fn = F.max_pool2d if self.kind == 'MaxPooling2D' else F.avg_pool2d
        return fn(x, self.size, self.strides)


class KIdentity(nn.Module):
    def forward(self, x):
        return x


class KerasGraph(nn.Module):
    """A Keras functional graph (or Sequential chain) interpreted node by node, in NCHW."""

    def __init__(self, nodes, input_name, output_name):
        super().__init__()
        self.order = [(name, inbound) for name, _, inbound in nodes]
        self.kinds = {name: kind for name, kind, _ in nodes}
        self.layers = nn.ModuleDict()
        self.input_name = input_name
        self.output_name = output_name

    def forward(self, x):
        values = {self.input_name: x}
        for name, inbound in self.order:
            values[name] = self.layers[name](*[values[i] for i in inbound])
        return values[self.output_name]


def _layer_list(model_cfg):
    """(class_name, config, name, inbound names) of a Sequential or functional model config."""
    cls, cfg = model_cfg['class_name'], model_cfg['config']
    layers = cfg['layers'] if isinstance(cfg, dict) else cfg
    out = []
    if cls == 'Sequential':
        prev = None
        for layer in layers:
            name = layer['config']['name']
            out.append((layer['class_name'], layer['config'], name, [] if prev is None else [prev]))
            prev = name
        return out, None, prev
    for layer in layers:
        inbound = [n[0] for n in layer['inbound_nodes'][0]] if layer['inbound_nodes'] else []
        out.append((layer['class_name'], layer['config'], layer['name'], inbound))
    return out, cfg['input_layers'][0][0], cfg['output_layers'][0][0]


def find_backbone_config(topology):
    """Descend from the outer model through first layers until a model whose layers are plain
    layers: the backbone (e.g. Sequential[Sequential[Model(MobileNetV2), GAP], head])."""
    cfg = topology.get('model_config', topology)
    while True:
        layers, _, _ = _layer_list(cfg)
        nested = [l for l in layers if l[0] in ('Model', 'Functional', 'Sequential')]
        if not nested:
            return cfg
        first = layers[0] if layers[0][0] != 'InputLayer' else layers[1]
        if first[0] not in ('Model', 'Functional', 'Sequential'):
            raise NotImplementedError('nested model that is not the first layer')
        cfg = {'class_name': first[0], 'config': first[1]}


def build_body(model_dir=DEFAULT_MODEL_DIR, stop_at=None):
    """The backbone up to its last ReLU6 (or `stop_at`), with the pretrained weights loaded.
    Returns (module, list of layer names in order, channel count of the output)."""
    with open(os.path.join(model_dir, 'model.json')) as f:
        mj = json.load(f)
    manifest = mj['weightsManifest']
    blobs, specs = [], []
    for group in manifest:
        for p in group['paths']:
            with open(os.path.join(model_dir, p), 'rb') as f:
                blobs.append(f.read())
        specs.extend(group['weights'])
    data = b''.join(blobs)
    weights, off = {}, 0
    for s in specs:
        if s.get('quantization'):
            raise NotImplementedError(f"quantized weight {s['name']}")
        if s['dtype'] != 'float32':
            raise NotImplementedError(f"dtype {s['dtype']} of {s['name']}")
        n = int(np.prod(s['shape'])) if s['shape'] else 1
        weights[s['name']] = np.frombuffer(data, '<f4', n, off).reshape(s['shape']).copy()
        off += 4 * n
    if off != len(data):
        raise ValueError(f'weights.bin has {len(data)} bytes, manifest describes {off}')

    bb = find_backbone_config(mj['modelTopology'])
    layers, input_name, output_name = _layer_list(bb)
    if stop_at is None:  # last ReLU6 feature map: drop the global pooling (and anything after)
        relu6 = [l[2] for l in layers if (l[0] == 'ReLU' and l[1].get('max_value') == 6)
                 or (l[0] in ('Conv2D', 'DepthwiseConv2D') and l[1].get('activation') == 'relu6')
                 or (l[0] == 'Activation' and l[1].get('activation') == 'relu6')]
        stop_at = relu6[-1]
    if input_name is None:  # Sequential: synthesise the input node
        input_name = '__input__'
        if layers and layers[0][0] == 'InputLayer':
            input_name = layers[0][2]
        else:
            layers[0] = layers[0][:3] + ([input_name],)
    nodes, channels, used = [], {}, set()
    in_cfg = next((l[1] for l in layers if l[0] == 'InputLayer'), layers[0][1])
    channels[input_name] = in_cfg['batch_input_shape'][-1]
    modules = {}
    for kind, cfg, name, inbound in layers:
        if kind == 'InputLayer':
            continue
        cin = channels[inbound[0]]
        if kind in ('Conv2D', 'DepthwiseConv2D'):
            m = KConv2d(cfg, cin, kind == 'DepthwiseConv2D')
            m.load({k.split('/', 1)[1]: v for k, v in weights.items() if k.split('/', 1)[0] == name})
            cout = m.out_ch
        elif kind == 'BatchNormalization':
            m = KBatchNorm(cfg, cin)
            w = {k.split('/', 1)[1]: v for k, v in weights.items() if k.split('/', 1)[0] == name}
            m.load(w)
            cout = cin
        elif kind == 'ReLU':
            m, cout = KReLU(cfg), cin
        elif kind == 'Activation':
            m, cout = KActivation(cfg), cin
        elif kind == 'ZeroPadding2D':
            m, cout = KZeroPad(cfg), cin
        elif kind in ('Add', 'Multiply'):
            m, cout = KMerge(kind, cfg), cin
        elif kind == 'Concatenate':
            m, cout = KMerge(kind, cfg), sum(channels[i] for i in inbound)
        elif kind in ('MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D'):
            m, cout = KPool(kind, cfg), cin
        elif kind in ('Dropout', 'SpatialDropout2D'):
            m, cout = KIdentity(), cin
        else:
            raise NotImplementedError(f'Keras layer {kind} ({name})')
        for k in weights:
            if k.split('/', 1)[0] == name:
                used.add(k)
        modules[name] = m
        channels[name] = cout
        nodes.append((name, kind, inbound))
        if name == stop_at:
            break
    graph = KerasGraph(nodes, input_name, stop_at)
    for name, _, _ in nodes:
        graph.layers[name] = modules[name]
    graph.n_weight_arrays = len(used)
    graph.n_weight_arrays_total = len(weights)
    return graph, [n for n, _, _ in nodes], channels[stop_at]


def split_at(names, starts):
    """The body's layer names in groups, a new group at each start (as bodyLayerGroups)."""
    groups = [[]]
    pending = list(starts)
    for n in names:
        if pending and n == pending[0]:
            pending.pop(0)
            groups.append([])
        groups[-1].append(n)
    if pending:
        raise ValueError(f'group start {pending[0]} is not a layer of the body')
    return groups


# ---------------------------------------------------------------------------------------------
# fastai v1 pieces
# ---------------------------------------------------------------------------------------------

class AdaptiveConcatPool2d(nn.Module):
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1)


def create_head(nf, nc, ps=0.5):
    """fastai v1 create_head(nf, nc) with lin_ftrs=[nf, 512, nc], ps=[ps/2, ps]."""
    layers = [AdaptiveConcatPool2d(), nn.Flatten()]
    lin = [nf, 512, nc]
    dps = [ps / 2, ps]
    acts = [nn.ReLU(inplace=True), None]
    for ni, no, p, act in zip(lin[:-1], lin[1:], dps, acts):
        layers += [nn.BatchNorm1d(ni), nn.Dropout(p), nn.Linear(ni, no)]
        if act is not None:
            layers.append(act)
    head = nn.Sequential(*layers)
    for m in head.modules():  # fastai apply_init(head, kaiming_normal_): not BN layers
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    return head


def annealing_cos(start, end, pct):
    return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)


def one_cycle(n_iter, max_lr, div=25.0, final_div=None, pct_start=0.3, moms=(0.95, 0.85)):
    """fastai v1 OneCycleScheduler, value used for batch i (0-based): phase 1 of
    a1 = int(n*pct_start) batches anneals max_lr/div -> max_lr (and moms[0] -> moms[1]) with
    pct = i/a1; phase 2 anneals max_lr -> max_lr/final_div (moms[1] -> moms[0]) with
    pct = (i-a1)/a2. final_div defaults to div*1e4, so the schedule ends at max_lr/25/1e4
    (reached after the last batch, as in fastai). max_lr may be one value per layer group.
    Returns (per-batch lrs, per-batch beta1, end lr)."""
    final_div = div * 1e4 if final_div is None else final_div
    a1 = int(n_iter * pct_start)
    a2 = n_iter - a1
    mx = np.asarray(max_lr, dtype=np.float64)
    lrs, ms = [], []
    for i in range(n_iter):
        if i < a1:
            p = i / max(1, a1)
            lrs.append(annealing_cos(mx / div, mx, p))
            ms.append(annealing_cos(moms[0], moms[1], p))
        else:
            p = (i - a1) / max(1, a2)
            lrs.append(annealing_cos(mx, mx / final_div, p))
            ms.append(annealing_cos(moms[1], moms[0], p))
    return lrs, ms, mx / final_div


def lr_range(lr, n_groups):
    """fastai Learner.lr_range: a float -> the same lr for every group; slice(lo, hi) ->
    even_mults(lo, hi, n) (geometric)."""
    if isinstance(lr, (tuple, list)):
        lo, hi = lr
        step = (hi / lo) ** (1 / (n_groups - 1))
        return [lo * step ** i for i in range(n_groups)]
    return [lr] * n_groups


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

def list_images(folder):
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    items = []
    for ci, c in enumerate(classes):
        for fn in sorted(os.listdir(os.path.join(folder, c))):
            if fn.lower().endswith(IMAGE_EXTS) and not fn.startswith('.'):
                items.append((os.path.join(folder, c, fn), ci))
    return classes, items


def load_resized(path, size):
    """fastai v1 open_image (PIL, RGB) + ResizeMethod.CROP resize target: the short side
    becomes `size`, the long side round(long*size/short). Returns uint8 CHW."""
    im = Image.open(path).convert('RGB')
    w, h = im.size
    ratio = min(w, h) / size
    tw, th = round(w / ratio), round(h / ratio)
    if (tw, th) != (w, h):
        im = im.resize((tw, th), Image.BILINEAR)
    return torch.from_numpy(np.asarray(im, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous()


def build_datasets(data, size, split_mode='studio', valid_pct=0.2, split_seed=42):
    train_dir, valid_dir = os.path.join(data, 'train'), os.path.join(data, 'validation')
    if os.path.isdir(train_dir) and os.path.isdir(valid_dir):
        classes, train = list_images(train_dir)
        vclasses, valid = list_images(valid_dir)
        if vclasses != classes:
            raise ValueError('train/ and validation/ hold different classes')
        split = 'folders train/ + validation/'
    else:
        classes, items = list_images(data)
        if split_mode == 'studio':
            # The studio's own draw, so both judge the same validation images.
            vset = set(studio_split.valid_indices(len(items), split_seed, valid_pct))
        else:
            # fastai split_by_rand_pct(valid_pct, seed): np.random.seed(seed); permutation;
            # the first int(valid_pct*n) indices are the validation set.
            np.random.seed(split_seed)
            idx = np.random.permutation(len(items))
            vset = set(idx[:int(valid_pct * len(items))].tolist())
        train = [it for i, it in enumerate(items) if i not in vset]
        valid = [it for i, it in enumerate(items) if i in vset]
        split = f'random {valid_pct:.0%}, {split_mode} draw, seed {split_seed}'
    t_imgs = [load_resized(p, size) for p, _ in train]
    v_imgs = [load_resized(p, size) for p, _ in valid]
    return classes, (t_imgs, torch.tensor([c for _, c in train])), (v_imgs, torch.tensor([c for _, c in valid])), split


def to_backbone_range(x01):
    return x01 * 2.0 - 1.0  # x/127.5 - 1 on 0..255


def center_crop_batch(imgs, size):
    out = torch.empty(len(imgs), 3, size, size)
    for k, im in enumerate(imgs):
        _, h, w = im.shape
        r, c = int((h - size) * 0.5), int((w - size) * 0.5)
        out[k] = im[:, r:r + size, c:c + size].float() / 255.0
    return to_backbone_range(out)


def _perspective_coeffs(targ):
    """fastai v1 _find_coeffs(_orig_pts, targ_pts): homography sending targ corners to the
    orig corners (-1,-1), (-1,1), (1,-1), (1,1)."""
    orig = [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    rows, rhs = [], []
    for p1, p2 in zip(targ, orig):
        rows.append([p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]])
        rows.append([0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]])
        rhs += [p2[0], p2[1]]
    a = torch.tensor(rows, dtype=torch.float64)
    b = torch.tensor(rhs, dtype=torch.float64)
    c = torch.linalg.solve(a, b)
    return torch.cat([c, torch.ones(1, dtype=torch.float64)]).view(3, 3).float()


def draw_augment(g):
    """One training image's random draws, fastai v1 get_transforms() defaults + rand_crop, taken
    from `g` in a fixed order (a transform's values only when it fires), so a seed repeats a
    run exactly."""
    def u(lo, hi):
        return lo + (hi - lo) * torch.rand((), generator=g).item()

    def happens(p):
        return torch.rand((), generator=g).item() < p

    d = {'row_pct': u(0, 1), 'col_pct': u(0, 1), 'flip': happens(0.5),
         'warp': None, 'rotate': None, 'zoom': None, 'brightness': None, 'contrast': None}
    if happens(0.75):  # symmetric_warp(magnitude=(-0.2, 0.2))
        d['warp'] = [u(-0.2, 0.2) for _ in range(4)]
    if happens(0.75):  # rotate(degrees=(-10, 10))
        d['rotate'] = u(-10, 10)
    if happens(0.75):  # rand_zoom(scale=(1, 1.1)), random centre (row_pct, col_pct in [0, 1])
        s = u(1.0, 1.1)
        d['zoom'] = [s, u(0, 1), u(0, 1)]
    # brightness(change=(0.4, 0.6)), contrast(scale=(0.8, 1.25) log-uniform), each p 0.75.
    b = happens(0.75)
    bval = u(0.4, 0.6)
    c = happens(0.75)
    cval = math.exp(u(math.log(0.8), math.log(1.25)))
    d['brightness'] = bval if b else None
    d['contrast'] = cval if c else None
    return d


def apply_augment(im, size, d):
    """One training image under the draws `d` (see draw_augment). `im` is the
    short-side-resized uint8 CHW image; the output is size x size in [0, 1].
    Coordinates are fastai's: x, y in [-1, 1] over the whole resized image; the source
    coordinate of an output pixel is affine(warp(flip(p))) and one bilinear grid_sample with
    reflection padding produces the pixels."""
    _, h, w = im.shape
    r0 = int((h - size) * d['row_pct'])
    c0 = int((w - size) * d['col_pct'])
    ys = -1 + 2 * (r0 + torch.arange(size, dtype=torch.float32)) / (h - 1)
    xs = -1 + 2 * (c0 + torch.arange(size, dtype=torch.float32)) / (w - 1)
    gy, gx = torch.meshgrid(ys, xs, indexing='ij')
    pts = torch.stack([gx, gy], -1).view(-1, 2)
    if d['flip']:  # flip_lr
        pts = pts * torch.tensor([-1.0, 1.0])
    if d['warp'] is not None:
        m = d['warp']
        targ = [[-1 - m[3], -1 - m[1]], [-1 - m[2], 1 + m[1]], [1 + m[3], -1 - m[0]], [1 + m[2], 1 + m[0]]]
        cf = _perspective_coeffs(targ)
        p3 = pts @ cf[:, :2].t() + cf[:, 2]
        pts = p3[:, :2] / p3[:, 2:3]
    mat = torch.eye(3)
    if d['rotate'] is not None:  # aspect-corrected like fastai _affine_mult
        a = math.radians(d['rotate'])
        rot = torch.tensor([[math.cos(a), -math.sin(a) * h / w, 0.0],
                            [math.sin(a) * w / h, math.cos(a), 0.0], [0.0, 0.0, 1.0]])
        mat = mat @ rot
    if d['zoom'] is not None:
        s, rp, cp = d['zoom']
        zm = torch.tensor([[1 / s, 0.0, (1 - 1 / s) * (2 * cp - 1)],
                           [0.0, 1 / s, (1 - 1 / s) * (2 * rp - 1)], [0.0, 0.0, 1.0]])
        mat = mat @ zm
    pts = pts @ mat[:2, :2].t() + mat[:2, 2]
    grid = pts.view(1, size, size, 2)
    x = F.grid_sample(im.unsqueeze(0).float() / 255.0, grid, mode='bilinear',
                      padding_mode='reflection', align_corners=True)[0]
    # Lighting in logit space.
    if d['brightness'] is not None or d['contrast'] is not None:
        lx = torch.logit(x.clamp(1e-7, 1 - 1e-7))
        if d['brightness'] is not None:
            lx = lx + math.log(d['brightness'] / (1 - d['brightness']))
        if d['contrast'] is not None:
            lx = lx * d['contrast']
        x = torch.sigmoid(lx)
    return x


def augment_one(im, size, g):
    """One training image, fastai v1 get_transforms() defaults + rand_crop + CROP resize."""
    return apply_augment(im, size, draw_augment(g))


def train_batches(imgs, labels, bs, size, g):
    """Shuffled, drop_last batches (fastai's training DataLoader)."""
    perm = torch.randperm(len(imgs), generator=g)
    for k in range(len(imgs) // bs):
        ids = perm[k * bs:(k + 1) * bs]
        x = torch.stack([augment_one(imgs[i], size, g) for i in ids.tolist()])
        yield to_backbone_range(x), labels[ids]


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

class Net(nn.Module):
    def __init__(self, body, head):
        super().__init__()
        self.body = body
        self.head = head

    def forward(self, x):
        return self.head(self.body(x))


def set_train_mode(net, bn_mode):
    net.train()
    if bn_mode == 'eval':
        for m in net.body.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()


def param_groups(net, group_names):
    body = [[p for n in names for p in net.body.layers[n].parameters()] for names in group_names]
    return body + [list(net.head.parameters())]


def evaluate(net, v_imgs, v_labels, size, bs=128):
    net.eval()
    tot_loss, wrong = 0.0, 0
    with torch.no_grad():
        for k in range(0, len(v_imgs), bs):
            x = center_crop_batch(v_imgs[k:k + bs], size)
            y = v_labels[k:k + bs]
            out = net(x.contiguous(memory_format=torch.channels_last))
            tot_loss += F.cross_entropy(out, y, reduction='sum').item()
            wrong += (out.argmax(1) != y).sum().item()
    return tot_loss / len(v_imgs), wrong / len(v_imgs)


def fit_one_cycle(net, groups, epochs, max_lr, data, args, g, stage, log):
    """fastai v1 fit_one_cycle with a fresh Adam(W) over the layer groups."""
    (t_imgs, t_labels), (v_imgs, v_labels) = data
    lrs_g = lr_range(max_lr, len(groups))
    opt = torch.optim.AdamW([{'params': p, 'lr': lr} for p, lr in zip(groups, lrs_g)],
                            betas=(0.9, 0.99), eps=1e-8, weight_decay=args.wd)
    n_batches = len(t_imgs) // args.bs
    sched, moms, end_lr = one_cycle(n_batches * epochs, lrs_g)
    rows, it, smooth, n_smooth = [], 0, 0.0, 0
    for ep in range(epochs):
        t0 = time.time()
        set_train_mode(net, args.bn)
        losses = []
        for x, y in train_batches(t_imgs, t_labels, args.bs, args.size, g):
            for pg, lr in zip(opt.param_groups, sched[it]):
                pg['lr'] = float(lr)
                pg['betas'] = (float(moms[it]), 0.99)
            out = net(x.contiguous(memory_format=torch.channels_last))
            loss = F.cross_entropy(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            it += 1
            losses.append(loss.item())
            n_smooth += 1  # fastai Recorder's SmoothenValue(0.98), debiased
            smooth = 0.98 * smooth + 0.02 * loss.item()
        vloss, err = evaluate(net, v_imgs, v_labels, args.size)
        row = {'stage': stage, 'epoch': ep, 'train_loss': round(smooth / (1 - 0.98 ** n_smooth), 6),
               'train_loss_mean': round(float(np.mean(losses)), 6), 'valid_loss': round(vloss, 6),
               'error_rate': round(err, 6), 'seconds': round(time.time() - t0, 1)}
        rows.append(row)
        log(f"{stage} epoch {ep}: train_loss {row['train_loss']:.4f} (mean {row['train_loss_mean']:.4f}) "
            f"valid_loss {vloss:.4f} error_rate {err:.4f}  {row['seconds']:.0f}s")
    log(f'{stage}: group max lrs {[f"{v:.3g}" for v in lrs_g]}, first batch lrs '
        f'{[f"{v:.3g}" for v in sched[0]]}, schedule end lrs {[f"{v:.3g}" for v in end_lr]}')
    return rows, err


def main(argv=None):
    ap = argparse.ArgumentParser(description="The PyTorch reference of the lesson's recipe "
                                 '(fastai v1 lesson 1) on an offline MobileNetV2 backbone.')
    ap.add_argument('--data', default=os.path.join(SHARED_DIR, 'datasets', 'sign-language-digits'))
    ap.add_argument('--arch', choices=sorted(ARCHS), default='mobilenet_v2_0.35')
    ap.add_argument('--model-dir', help="the backbone's folder (default: ../shared/pretrained/<its folder>)")
    ap.add_argument('--bn', choices=['train', 'eval'], default='train',
                    help='body BatchNorm: train = fastai train_bn (batch stats), eval = pretrained stats')
    ap.add_argument('--epochs', type=int, default=4, help='frozen-stage epochs')
    ap.add_argument('--lr', type=float, default=3e-3, help='frozen-stage max_lr')
    ap.add_argument('--unfrozen-epochs', type=int, default=2)
    ap.add_argument('--unfrozen-lr', default='1e-6,1e-4', help='lo,hi for slice(lo, hi), or one value')
    ap.add_argument('--seed', type=int, default=0, help='seed of the weights, batches and augmentation')
    ap.add_argument('--split', choices=['studio', 'fastai'], default='studio',
                    help="whose random split of a folder without train/ + validation/: the studio's "
                         "(the same images as `npm run lesson -- --seed <split-seed>`) or fastai's numpy draw")
    ap.add_argument('--split-seed', type=int, default=42)
    ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--size', type=int, default=224)
    ap.add_argument('--wd', type=float, default=1e-2)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--json', action='store_true', help='print one JSON line with the results')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if args.json else (lambda s: print(s, flush=True))
    t_start = time.time()

    folder, starts = ARCHS[args.arch]
    body, names, nf = build_body(args.model_dir or os.path.join(SHARED_DIR, 'pretrained', folder))
    body_groups = split_at(names, starts)
    log(f'body: {len(names)} layers, {body.n_weight_arrays}/{body.n_weight_arrays_total} weight arrays, '
        f'{nf} channels out ({names[-1]})')
    log('layer groups: ' + ' | '.join(
        f'[{g[0]} .. {g[-1]}] ({len(g)} layers, '
        f'{sum(p.numel() for n in g for p in body.layers[n].parameters())} params)' for g in body_groups)
        + ' | head')

    classes, train, valid, split = build_datasets(args.data, args.size, args.split, split_seed=args.split_seed)
    log(f'data: {len(classes)} classes, {len(train[0])} train / {len(valid[0])} valid ({split}), '
        f'loaded in {time.time() - t_start:.0f}s')

    head = create_head(2 * nf, len(classes))
    # channels_last only changes the memory layout (about 1.5x faster on CPU), not the maths.
    net = Net(body, head).to(memory_format=torch.channels_last)
    groups = param_groups(net, body_groups)
    g = torch.Generator().manual_seed(args.seed)

    # Stage 1: freeze the body except its BatchNorm layers (fastai freeze() with train_bn=True).
    for m in net.body.modules():
        is_bn = isinstance(m, nn.BatchNorm2d)
        for p in m.parameters(recurse=False):
            p.requires_grad_(is_bn)
    rows1, frozen_err = fit_one_cycle(net, groups, args.epochs, args.lr, (train, valid), args, g, 'frozen', log)

    # Stage 2: unfreeze everything (Keras BN without scale/center stays fixed).
    for m in net.body.modules():
        for name, p in m.named_parameters(recurse=False):
            if isinstance(m, KBatchNorm):
                p.requires_grad_(m.scale if name == 'weight' else m.center)
            else:
                p.requires_grad_(True)
    parts = [float(v) for v in args.unfrozen_lr.split(',')]
    ulr = (parts[0], parts[1]) if len(parts) == 2 else parts[0]
    rows2, final_err = ([], frozen_err)
    if args.unfrozen_epochs > 0:
        rows2, final_err = fit_one_cycle(net, groups, args.unfrozen_epochs, ulr, (train, valid), args, g,
                                         'unfrozen', log)
    wall = time.time() - t_start
    result = {'data': os.path.basename(os.path.normpath(args.data)), 'arch': args.arch, 'bn': args.bn, 'seed': args.seed,
              'split': split,
              'epochs': args.epochs, 'lr': args.lr, 'unfrozen_epochs': args.unfrozen_epochs,
              'unfrozen_lr': args.unfrozen_lr, 'frozen_error': frozen_err, 'final_error': final_err,
              'n_train': len(train[0]), 'n_valid': len(valid[0]), 'wall_s': round(wall, 1),
              'group_starts': starts, 'epochs_table': rows1 + rows2}
    if args.json:
        print(json.dumps(result), flush=True)
    else:
        log(f'frozen error {frozen_err:.4f}, final error {final_err:.4f}, wall {wall:.0f}s')
    return result


if __name__ == '__main__':
    main()
