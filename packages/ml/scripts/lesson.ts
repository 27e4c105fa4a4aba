/**
 * fast.ai lesson 1 without the web app, on a folder of labelled images:
 *
 *   npm run lesson -- --data <folder> [--arch mobilenet_v2_1.0] [--size 224] [--bs 64]
 *     [--epochs 4] [--lr 3e-3] [--unfrozen-epochs 2] [--unfrozen-lr 1e-6,1e-4]
 *     [--valid-pct 0.2] [--seed 42] [--precompute auto|on|off] [--views 0] [--bn auto]
 *     [--micro-batch auto|off|<n>] [--whole-batch-head on|off]
 *     [--pretrained <dir>] [--cache <dir>] [--pixel-cache <dir>] [--export <dir>] [--json]
 *
 * data bunch → classes → fit_one_cycle frozen → save stage-1 → most confused → lr_find →
 * unfreeze → fit_one_cycle with a slice → final error rate. Labels come from class folders; a
 * train/ + valid/ (or validation/) tree gives the split, otherwise a seeded random split.
 * The frozen stage trains the head on the feature cache (--precompute, auto: on CPU backends).
 * With --json the last line of stdout is one JSON object. Progress goes to stderr.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readEnv } from '@studio/shared';
import {
  ARCHITECTURES,
  cnnLearner,
  createDataBunch,
  DiskPixelStore,
  errorRate,
  accuracy,
  exportModel,
  folderItems,
  folderSource,
  fromPredictions,
  ImageCache,
  describePrecompute,
  initBackend,
  usesPrecompute,
  defaultBodyBnStatistics,
  loadBackbone,
  mostConfused,
  slice,
  splitByRandomPct,
  writeExport,
  type ArchitectureId,
  type BackendChoice,
  type BodyBnStatistics,
  type Callback,
  type FitState,
  type Learner,
  type MicroBatchOption,
  type ResizeMode,
} from '../src/index';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    data: { type: 'string' },
    arch: { type: 'string', default: 'mobilenet_v2_1.0' },
    size: { type: 'string', default: '224' },
    resize: { type: 'string', default: 'crop' },
    bs: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '4' },
    lr: { type: 'string', default: '3e-3' },
    'unfrozen-epochs': { type: 'string', default: '2' },
    'unfrozen-lr': { type: 'string', default: '1e-6,1e-4' },
    'valid-pct': { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '42' },
    pretrained: { type: 'string' },
    cache: { type: 'string' },
    'pixel-cache': { type: 'string' },
    export: { type: 'string' },
    backend: { type: 'string' },
    precompute: { type: 'string', default: 'auto' },
    views: { type: 'string', default: '0' },
    bn: { type: 'string', default: 'auto' },
    threads: { type: 'string', default: 'auto' },
    'micro-batch': { type: 'string', default: 'auto' },
    'whole-batch-head': { type: 'string', default: 'on' },
    adapt: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    [
      'npm run lesson -- --data <folder> [options]: fast.ai lesson 1 on a folder of labelled images.',
      '',
      '  --data <folder>        class folders, or train/ and valid/ folders of class folders',
      '  --arch <id>            backbone (default mobilenet_v2_1.0; offline: mobilenet_v2_0.35,',
      '                         mobilenet_v2_1.0, darknet_tiny; resnet18/34/50 download weights)',
      '  --size <px>            image size (default 224)     --bs <n>   batch size (default 64)',
      '  --resize crop|pad|squish  how images become squares (default crop, as fastai)',
      '  --epochs <n>           frozen epochs (default 4)    --lr <x>   their max lr (default 3e-3)',
      '  --unfrozen-epochs <n>  epochs after unfreeze (default 2; 0 stops after the frozen stage)',
      '  --unfrozen-lr lo,hi    their slice (default 1e-6,1e-4)',
      '  --valid-pct <x>        random validation share without a valid/ folder (default 0.2)',
      '  --seed <n>             seed of the split, batches and augmentation (default 42)',
      '  --backend <name>       force a backend (wasm, cpu, tensorflow); default: the best available',
      '  --precompute auto|on|off  train the frozen stage on the feature cache (auto: on CPU)',
      '  --views <n>            augmented views cached per training image (default 0: the',
      '                         un-augmented image, as fastai 0.7; each view is one more body pass)',
      "  --bn auto|batch|running|adapted  what the body's BatchNorm layers normalise with",
      "                         (auto: pretrained statistics at the backbone's own size,",
      '                         elsewhere statistics measured on the data once, kept in every stage)',
      '  --adapt <n>            batches adapting BatchNorm statistics before caching features',
      '  --micro-batch auto|off|<n>  images per forward/backward pass of a whole-model step',
      '                         (default auto: as many as fit memory; off: the whole batch)',
      '  --whole-batch-head on|off  run the head once over the whole batch when a step is',
      '                         split into passes or threads (default on; off splits it too)',
      '  --pretrained <dir>     offline weights folder    --cache <dir>  download cache',
      '  --pixel-cache <dir>    keep decoded, resized images there for the next run',
      '  --export <dir>         write the exported model there',
      '  --json                 the last line of stdout is one JSON summary',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const say = (line: string) => process.stderr.write(`${line}\n`);
function fail(message: string): never {
  say(`lesson: ${message}`);
  process.exit(1);
}

if (!values.data)
  fail(
    '--data <folder> is required (class folders, or train/ and valid/ folders of class folders).',
  );
const arch = values.arch as ArchitectureId;
if (!(arch in ARCHITECTURES))
  fail(`unknown --arch "${arch}". Choose one of: ${Object.keys(ARCHITECTURES).join(', ')}.`);
const num = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    fail(`--${name} must be a positive number, received "${value}".`);
  return n;
};
const size = num('size', values.size!);
const bs = num('bs', values.bs!);
const epochs = num('epochs', values.epochs!);
const lr = num('lr', values.lr!);
const unfrozenEpochs =
  values['unfrozen-epochs'] === '0' ? 0 : num('unfrozen-epochs', values['unfrozen-epochs']!);
const threads = values.threads === 'auto' ? 'auto' : num('threads', values.threads!);
const microBatchOption = values['micro-batch']!;
const microBatchSetting: MicroBatchOption =
  microBatchOption === 'auto' || microBatchOption === 'off'
    ? microBatchOption
    : num('micro-batch', microBatchOption);
if (!['on', 'off'].includes(values['whole-batch-head']!))
  fail(`--whole-batch-head must be on or off, received "${values['whole-batch-head']}".`);
const wholeBatchHead = values['whole-batch-head'] === 'on';
const [lo, hi] = values['unfrozen-lr']!.split(',').map((v) => num('unfrozen-lr', v));
const validPct = num('valid-pct', values['valid-pct']!);
const resizeMode = values.resize as ResizeMode;
if (!['crop', 'pad', 'squish'].includes(resizeMode))
  fail(`--resize must be crop, pad or squish, received "${values.resize}".`);
const seed = Number(values.seed);
if (!['auto', 'on', 'off'].includes(values.precompute!))
  fail(`--precompute must be auto, on or off, received "${values.precompute}".`);
if (!['auto', 'batch', 'running', 'adapted'].includes(values.bn!))
  fail(`--bn must be auto, batch, running or adapted, received "${values.bn}".`);
const views = Number(values.views);
if (!Number.isInteger(views) || views < 0)
  fail(`--views must be a whole number of at least 0, received "${values.views}".`);
const dataDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.data);
const started = performance.now();

/** A progress bar per epoch on stderr and fastai's table once each epoch ends. */
class ConsoleProgress implements Callback {
  readonly order = 60;
  private cacheTenths = -1;
  afterCacheBatch(state: FitState): void {
    const { done, total, seconds } = state.cache!;
    const tenths = Math.floor((10 * done) / total);
    if (tenths === this.cacheTenths) return;
    this.cacheTenths = tenths;
    say(
      `feature cache: ${done}/${total} images through the frozen body, ${seconds.toFixed(0)} s (${(done / Math.max(seconds, 1e-9)).toFixed(1)} img/s)`,
    );
  }
  beforeFit(state: FitState): void {
    if (!state.skipValidation) say('epoch  train_loss  valid_loss  error_rate  time');
  }
  afterBatch(state: FitState): void {
    if (!process.stderr.isTTY) return;
    const width = 30;
    const done = Math.round(((state.batch + 1) / state.batches) * width);
    process.stderr.write(
      `\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${state.batch + 1}/${state.batches} loss ${state.smoothLoss.toFixed(4)}`,
    );
  }
  afterEpoch(state: FitState): void {
    // The LR finder's passes are not epochs of training; fastai prints no table for them.
    if (state.skipValidation) return;
    const e = state.learner.recorder.epochs.at(-1);
    if (!e) return;
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const whole = Math.round(e.timeS); // rounded first: 179.6 s is 03:00, not 02:60
    const time = `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
    say(
      `${String(e.epoch).padEnd(7)}${e.trainLoss.toFixed(6).padEnd(12)}${(e.validLoss ?? NaN).toFixed(6).padEnd(12)}${(e.metrics.error_rate ?? NaN).toFixed(6).padEnd(12)}${time}`,
    );
  }
}

const lastError = (learner: Learner) => learner.recorder.epochs.at(-1)?.metrics.error_rate ?? NaN;

const backend = await initBackend({
  prefer: values.backend as BackendChoice | undefined,
  log: say,
});
say(`backend: ${backend.name}`);
let items = await folderItems(dataDir).catch((error: Error) => fail(error.message));
if (items.length === 0)
  fail(`no images found in ${dataDir}. Expected class folders of JPEG/PNG/WebP images.`);
if (!items.some((i) => i.split === 'valid')) items = splitByRandomPct(items, validPct, seed);
const backbone = await loadBackbone(arch, {
  pretrainedDir: values.pretrained ?? readEnv().STUDIO_PRETRAINED_DIR,
  cacheDir: values.cache ?? path.join(os.homedir(), '.cache', 'studio'),
  inputShape: [size, size, 3],
  onProgress: (p: { receivedBytes: number; totalBytes: number | null }) =>
    say(`downloading weights: ${(p.receivedBytes / 1024 ** 2).toFixed(1)} MB`),
});
const declared = backbone.body.inputs[0]!.shape;
if (values.export && declared[1] !== null && declared[1] !== size) {
  fail(
    `--export needs --size ${declared[1]} with ${arch}: the exported network takes ${declared[1]} px images.`,
  );
}
const pixelStore = values['pixel-cache']
  ? new DiskPixelStore(path.resolve(process.env.INIT_CWD ?? process.cwd(), values['pixel-cache']))
  : undefined;
const data = createDataBunch(items, folderSource(dataDir), {
  size,
  bs,
  seed,
  resizeMode,
  normalize: backbone.spec.normalization,
  cache: new ImageCache({ store: pixelStore }),
});
const loadStarted = performance.now();
const broken = await data.preload();
const loadS = (performance.now() - loadStarted) / 1000;
say(
  `images decoded and resized in ${loadS.toFixed(1)} s` +
    (pixelStore
      ? ` (pixel cache: ${pixelStore.stats.hits} read, ${pixelStore.stats.writes} written` +
        `${pixelStore.stats.failedWrites ? `, ${pixelStore.stats.failedWrites} failed: ${pixelStore.stats.lastError}` : ''})`
      : ''),
);
for (const b of broken) say(`skipped ${b.key}: ${b.reason}`);
say(`classes (c = ${data.c}): ${data.classes.join(', ')}`);
say(
  `train ${data.counts.train} / valid ${data.counts.valid} images, ${size} px (${resizeMode}), bs ${bs}, ${arch}`,
);

const usePrecompute = usesPrecompute(values.precompute as 'auto' | 'on' | 'off', backend.name);
const bodyBnStatistics =
  values.bn === 'auto'
    ? defaultBodyBnStatistics(backbone.spec.defaultSize, size, usePrecompute)
    : (values.bn as BodyBnStatistics);
const learn = cnnLearner(data, backbone, {
  seed,
  bodyBnStatistics,
  metrics: [errorRate, accuracy],
  callbacks: [new ConsoleProgress()],
});
say(
  learn.bodyBatchNorms === 0
    ? 'the body has no BatchNorm layers: they are folded into its convolutions'
    : {
        running:
          "the body's BatchNorm layers keep their pretrained statistics in every stage (--bn running)",
        adapted:
          "the body's BatchNorm statistics are measured on this data once, then kept in every stage (--bn adapted)",
        batch:
          "the body's BatchNorm layers normalise with each batch's statistics while training (--bn batch)",
      }[bodyBnStatistics],
);
say(
  `\nfit_one_cycle(${epochs}, ${lr}) with the body frozen` +
    (usePrecompute
      ? `, on the feature cache (${views === 0 ? 'the un-augmented images' : `${views} augmented views`})`
      : ''),
);
const frozenFit = await learn.fitOneCycle(epochs, lr, {
  precompute: usePrecompute
    ? { views, ...(values.adapt ? { adaptBatches: Number(values.adapt) } : {}) }
    : false,
  microBatch: microBatchSetting,
  wholeBatchHead,
  threads,
});
const frozenLine = describePrecompute(frozenFit);
if (frozenLine) say(frozenLine);
const frozenError = lastError(learn);
const frozenWallS = (performance.now() - started) / 1000;
say(`frozen stage done ${frozenWallS.toFixed(1)} s after start`);
const stage1 = await learn.save();
say(`saved stage-1 (${(stage1.length / 1024 ** 2).toFixed(1)} MB)`);

const interp = fromPredictions({
  ...(await learn.getPreds('valid', { threads })),
  classes: data.classes,
});
const confused = mostConfused(interp, 2);
say(
  `most confused (min 2): ${
    confused.length
      ? confused
          .slice(0, 8)
          .map(([a, p, n]) => `${a}→${p} ×${n}`)
          .join(', ')
      : 'none'
  }`,
);

// On the frozen stage's cached activations when it had them (the body is unchanged since).
const found = await learn.lrFind({
  precompute: usePrecompute ? { views } : false,
  microBatch: microBatchSetting,
  wholeBatchHead,
});
say(
  found.suggestions
    ? `lr_find: steepest descent at ${found.suggestions.steepest.toExponential(1)}, minimum/10 at ${found.suggestions.minDiv10.toExponential(1)}`
    : 'lr_find: too few points for a suggestion',
);

let microBatch: number | null = null;
if (unfrozenEpochs > 0) {
  learn.unfreeze();
  say(`\nunfreeze(); fit_one_cycle(${unfrozenEpochs}, max_lr=slice(${lo}, ${hi}))`);
  const unfrozenFit = await learn.fitOneCycle(unfrozenEpochs, slice(lo!, hi!), {
    microBatch: microBatchSetting,
    wholeBatchHead,
    threads,
  });
  microBatch = unfrozenFit.microBatch;
  if (unfrozenFit.microBatch !== null)
    say(
      `batches of ${bs} trained in passes of at most ${unfrozenFit.microBatch} images to fit memory`,
    );
}
// The LR finder's recorder holds no epochs: without fine-tuning the frozen stage's is final.
const finalError = unfrozenEpochs > 0 ? lastError(learn) : frozenError;
say(
  unfrozenEpochs > 0
    ? `\nerror rate: ${(frozenError * 100).toFixed(2)} % frozen, ${(finalError * 100).toFixed(2)} % after fine-tuning`
    : `\nerror rate: ${(frozenError * 100).toFixed(2)} % frozen (no fine-tuning: --unfrozen-epochs 0)`,
);

if (values.export) {
  const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.export);
  const files = await exportModel(learn.model, {
    classes: data.classes,
    preprocessing: { size, resizeMode, normalize: backbone.spec.normalization, arch },
  });
  await writeExport(dir, files);
  say(`exported to ${dir}`);
}
const summary = {
  arch,
  size,
  resize: resizeMode,
  bs,
  // null: the body has no BatchNorm layers, so the choice changes nothing.
  bn: learn.bodyBatchNorms === 0 ? null : bodyBnStatistics,
  views: usePrecompute ? views : null,
  classes: data.classes,
  n_train: data.counts.train,
  n_valid: data.counts.valid,
  load_s: Math.round(loadS * 10) / 10,
  pixel_cache: pixelStore ? { hits: pixelStore.stats.hits, writes: pixelStore.stats.writes } : null,
  precompute: frozenFit.precompute,
  frozen_error: frozenError,
  frozen_wall_s: Math.round(frozenWallS * 10) / 10,
  final_error: finalError,
  micro_batch: microBatch,
  whole_batch_head: wholeBatchHead,
  lr_find: found.suggestions,
  backend: backend.name,
  wall_s: Math.round((performance.now() - started) / 100) / 10,
};
if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
learn.dispose();
