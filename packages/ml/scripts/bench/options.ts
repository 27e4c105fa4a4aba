import { join, resolve } from 'node:path';
import { sharedDir as readSharedDir } from '@studio/shared';

export type BenchArch =
  'resnet18' | 'resnet34' | 'resnet50' | 'mobilenet_v2_0.35' | 'mobilenet_v2_1.0';

export interface BenchRow {
  arch: BenchArch;
  size: number;
  bs: number;
}

/** The rows the engine targets are judged on (issue: resnet18/34 at 128, MobileNetV2 at 224). */
export const STANDARD_ROWS: readonly BenchRow[] = [
  { arch: 'resnet18', size: 128, bs: 32 },
  { arch: 'resnet34', size: 128, bs: 32 },
  { arch: 'mobilenet_v2_0.35', size: 224, bs: 32 },
];

/** torch_reference.py's other STANDARD rows and the rest of the inference targets, behind --all. */
export const EXTRA_ROWS: readonly BenchRow[] = [
  { arch: 'resnet34', size: 224, bs: 16 },
  { arch: 'resnet50', size: 128, bs: 16 },
  { arch: 'resnet18', size: 224, bs: 16 },
  { arch: 'resnet50', size: 224, bs: 16 },
  { arch: 'mobilenet_v2_1.0', size: 224, bs: 32 },
];

/** The precompute part: plain frozen fit_one_cycle against precomputed ones on real photos. */
export interface PrecomputeBenchOptions {
  size: number;
  bs: number;
  epochs: number;
  /** Views per training image of each precomputed fit. */
  views: number[];
  /** Photos per class of sign-language-digits (0 = all 2,062). */
  perClass: number;
  /** Body threads of each precomputed fit's cache build (precompute.threads). */
  threads: number[];
  /** Also time the plain frozen fit (slow) and each precomputed fit's speedup over it. */
  withPlain: boolean;
}

export interface BenchOptions {
  /**
   * Which measurement: the engine rows (default), the precompute comparison, the lesson's time
   * to accuracy (cold and warm caches), or the memory of the heaviest training step.
   */
  part: 'engine' | 'precompute' | 'lesson' | 'memory' | 'scaling' | 'show-batch';
  precompute: PrecomputeBenchOptions;
  /** The lesson part's dataset (a folder under ../shared/datasets), size, batch size, backbone. */
  lesson: { dataset: string; size: number; bs: number; arch: string | null };
  /** The scaling part: shares of the lesson's dataset, one frozen epoch each. */
  scaling: { fractions: number[] };
  /** The memory part: ResNet-50 unfrozen at this size and batch size over this many photos. */
  memory: { size: number; bs: number; images: number };
  rows: BenchRow[];
  /** Timed steps after the warm-up step, as torch_reference.py --steps. */
  steps: number;
  /**
   * Engine part: threads computing each training step (FitOptions.threads), each row measured
   * once per entry in turn (--threads 1,2,1,2 alternates them, for a machine with other load).
   */
  trainThreads: number[];
  /** Engine part: with threads > 1, the main thread computes one share (FitOptions.useMainThread). */
  useMainThread: boolean;
  backend: 'wasm' | 'cpu';
  /** Threads of the wasm backend's XNNPACK pool (InitBackendOptions.wasmThreads). */
  wasmThreads: 'auto' | number;
  /** null: run the PyTorch reference only if it can be imported. */
  torch: boolean | null;
  torchReference: string;
  /** Passed to torch_reference.py --threads; null keeps its default. */
  torchThreads: number | null;
  /**
   * 'learner': the learner's faster training-mode layer calls (installTrainingLayers), what the
   * studio trains with; 'tfjs': tfjs-layers' own calls, to see what those replacements save.
   */
  layers: 'learner' | 'tfjs';
  /** Also print a per-kernel breakdown of one training step. */
  profile: boolean;
  /** Internal: measure the one row in this process (the parent runs each row in a child). */
  /** Only the ONNX Runtime inference line of each engine row, without tfjs's measurements. */
  onnxOnly: boolean;
  child: boolean;
  sharedDir: string;
}

const USAGE = `Usage: npm run bench -- --engine [--all] [--arch A --size S --bs B] [--steps N]
  [--threads 1,2] [--main-thread] [--wasm-threads auto|N]
  [--backend wasm|cpu] [--layers learner|tfjs] [--torch | --no-torch] [--torch-reference PATH]
  [--torch-threads N]
  [--profile]
or: npm run bench -- --precompute [--size S] [--bs B] [--epochs N] [--views 1,4] [--per-class N]
  [--threads 1,2] [--no-plain] [--backend wasm|cpu]
or: npm run bench -- --lesson [--dataset clothing-small] [--size 224] [--bs 64] [--arch A]
  [--backend wasm|cpu]
or: npm run bench -- --memory [--size 224] [--bs 64] [--images 128] [--backend wasm|cpu]
or: npm run bench -- --scaling [--dataset clothing-small] [--fractions 0.25,0.5,1] [--size 224]
  [--bs 64] [--backend wasm|cpu]
or: npm run bench -- --show-batch [--dataset clothing-small] [--size 224] [--backend wasm|cpu]
or: npm run bench -- --import [folder]   (images per second of a dataset import)`;

function isArch(value: string): value is BenchArch {
  return [...STANDARD_ROWS, ...EXTRA_ROWS].some((row) => row.arch === value);
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const sharedDir = readSharedDir();
  const options: BenchOptions = {
    part: 'engine',
    precompute: {
      size: 128,
      bs: 32,
      epochs: 3,
      views: [1, 4],
      perClass: 60,
      threads: [1, 2],
      withPlain: true,
    },
    lesson: { dataset: 'clothing-small', size: 224, bs: 64, arch: null },
    memory: { size: 224, bs: 64, images: 128 },
    scaling: { fractions: [0.25, 0.5, 1] },
    rows: [...STANDARD_ROWS],
    steps: 3,
    trainThreads: [1],
    useMainThread: false,
    backend: 'wasm',
    wasmThreads: 1,
    torch: null,
    torchReference: join(sharedDir, 'reference', 'torch_reference.py'),
    torchThreads: null,
    layers: 'learner',
    profile: false,
    onnxOnly: false,
    child: false,
    sharedDir,
  };
  const single: Partial<BenchRow> = {};
  let archText: string | null = null;
  const args = [...argv];
  const value = (flag: string): string => {
    const next = args.shift();
    if (next == null) throw new Error(`${flag} needs a value.\n${USAGE}`);
    return next;
  };
  const positive = (flag: string): number => {
    const text = value(flag);
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) {
      throw new Error(`${flag} must be a positive integer, got "${text}".\n${USAGE}`);
    }
    return n;
  };
  while (args.length > 0) {
    const flag = args.shift()!;
    if (flag === '--engine') options.part = 'engine';
    else if (flag === '--precompute') options.part = 'precompute';
    else if (flag === '--lesson') options.part = 'lesson';
    else if (flag === '--memory') options.part = 'memory';
    else if (flag === '--scaling') options.part = 'scaling';
    else if (flag === '--show-batch') options.part = 'show-batch';
    else if (flag === '--fractions') {
      const text = value(flag);
      const fractions = text.split(',').map(Number);
      if (fractions.some((f) => !(f > 0 && f <= 1)))
        throw new Error(`--fractions must be shares in (0, 1], got "${text}".\n${USAGE}`);
      options.scaling.fractions = fractions;
    } else if (flag === '--dataset') options.lesson.dataset = value(flag);
    else if (flag === '--images') options.memory.images = positive(flag);
    else if (flag === '--epochs') options.precompute.epochs = positive(flag);
    else if (flag === '--per-class') {
      const text = value(flag);
      const n = Number(text);
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`--per-class must be an integer >= 0, got "${text}".\n${USAGE}`);
      options.precompute.perClass = n;
    } else if (flag === '--views') {
      const text = value(flag);
      const views = text.split(',').map(Number);
      if (views.some((v) => !Number.isInteger(v) || v < 0))
        throw new Error(`--views must be integers >= 0 separated by commas, got "${text}".`);
      options.precompute.views = views;
    } else if (flag === '--threads') {
      const text = value(flag);
      const threads = text.split(',').map(Number);
      if (threads.some((t) => !Number.isInteger(t) || t < 1))
        throw new Error(`--threads must be integers >= 1 separated by commas, got "${text}".`);
      options.precompute.threads = threads;
      options.trainThreads = threads;
    } else if (flag === '--main-thread') options.useMainThread = true;
    else if (flag === '--no-plain') options.precompute.withPlain = false;
    else if (flag === '--all') options.rows = [...STANDARD_ROWS, ...EXTRA_ROWS];
    else if (flag === '--arch') {
      archText = value(flag);
    } else if (flag === '--size') single.size = positive(flag);
    else if (flag === '--bs') single.bs = positive(flag);
    else if (flag === '--steps') options.steps = positive(flag);
    else if (flag === '--backend') {
      const name = value(flag);
      if (name !== 'wasm' && name !== 'cpu') {
        throw new Error(`--backend must be wasm or cpu, got "${name}".`);
      }
      options.backend = name;
    } else if (flag === '--wasm-threads') {
      const text = value(flag);
      options.wasmThreads = text === 'auto' ? 'auto' : Number(text);
      if (text !== 'auto' && !Number.isInteger(options.wasmThreads)) {
        throw new Error(`--wasm-threads must be auto or an integer, got "${text}".`);
      }
    } else if (flag === '--layers') {
      const layers = value(flag);
      if (layers !== 'learner' && layers !== 'tfjs') {
        throw new Error(`--layers must be learner or tfjs, got "${layers}".`);
      }
      options.layers = layers;
    } else if (flag === '--torch') options.torch = true;
    else if (flag === '--no-torch') options.torch = false;
    else if (flag === '--torch-reference') options.torchReference = resolve(value(flag));
    else if (flag === '--torch-threads') options.torchThreads = positive(flag);
    else if (flag === '--profile') options.profile = true;
    else if (flag === '--onnx-only') options.onnxOnly = true;
    else if (flag === '--child') options.child = true;
    else throw new Error(`Unknown option "${flag}".\n${USAGE}`);
  }
  // The lesson part passes --arch on to the lesson, which knows every architecture.
  if (options.part === 'lesson') options.lesson.arch = archText;
  else if (archText != null) {
    if (!isArch(archText)) throw new Error(`Unknown --arch "${archText}".\n${USAGE}`);
    single.arch = archText;
  }
  if (
    options.part === 'precompute' ||
    options.part === 'lesson' ||
    options.part === 'memory' ||
    options.part === 'scaling' ||
    options.part === 'show-batch'
  ) {
    // The scaling part measures the lesson's setting (dataset, size, batch) on shares of it;
    // show_batch shows the lesson's dataset at its size.
    const part =
      options[
        options.part === 'scaling' || options.part === 'show-batch' ? 'lesson' : options.part
      ];
    part.size = single.size ?? part.size;
    part.bs = single.bs ?? part.bs;
  } else if (single.arch != null) {
    const preset = [...STANDARD_ROWS, ...EXTRA_ROWS].find((row) => row.arch === single.arch)!;
    options.rows = [{ ...preset, ...single } as BenchRow];
  } else if (single.size != null || single.bs != null) {
    throw new Error(`--size and --bs need --arch.\n${USAGE}`);
  }
  if (
    options.part === 'engine' &&
    options.layers === 'tfjs' &&
    options.trainThreads.some((t) => t > 1)
  ) {
    throw new Error(`--threads above 1 trains with the learner's layers; drop --layers tfjs.`);
  }
  return options;
}
