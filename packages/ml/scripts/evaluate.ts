/**
 * Scores an exported model (src/export) on a folder of labelled images: class folders directly
 * under it, or a train/ + valid/ tree (then valid/ is scored).
 *
 *   npm run evaluate -- --model <dir> --data <folder> [--json] [--bs 32] [--tta] [--backend wasm]
 *
 * Prints a summary, or with --json one JSON object as the last line of stdout:
 * { n, accuracy, error_rate, classes, confusion_matrix, most_confused }. Logs go to stderr.
 * Exit codes: 0 success, 1 evaluation failed (message on stderr), 2 bad arguments.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../src/backend/index';
import { evaluateFolder, type FolderEvaluation } from '../src/export/evaluate-folder';
import { loadExport } from '../src/export/load-export';
import { perClassPrecisionRecall } from '../src/interpret/precision-recall';

const USAGE =
  'Usage: npm run evaluate -- --model <exported model dir> --data <image folder> ' +
  '[--json] [--bs 32] [--tta] [--backend ' +
  BACKEND_CHOICES.join('|') +
  ']';

interface CliOptions {
  model: string;
  data: string;
  json: boolean;
  bs: number;
  tta: boolean;
  backend: BackendChoice | undefined;
}

class UsageError extends Error {}

function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean', default: false },
        bs: { type: 'string', default: '32' },
        tta: { type: 'boolean', default: false },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.model || !values.data) throw new UsageError('Both --model and --data are required.');
  const bs = Number(values.bs);
  if (!Number.isInteger(bs) || bs < 1) {
    throw new UsageError(`--bs must be a positive integer, received "${values.bs}".`);
  }
  const backend = values.backend as BackendChoice | undefined;
  if (backend != null && !BACKEND_CHOICES.includes(backend)) {
    throw new UsageError(
      `--backend must be one of ${BACKEND_CHOICES.join(', ')}, received "${backend}".`,
    );
  }
  // `npm run evaluate` at the repo root runs this in packages/ml; npm keeps the caller's folder
  // in INIT_CWD, which is where relative paths were meant from.
  const base = process.env.INIT_CWD ?? process.cwd();
  return {
    model: path.resolve(base, values.model),
    data: path.resolve(base, values.data),
    json: values.json,
    bs,
    tta: values.tta,
    backend,
  };
}

function toJson(result: FolderEvaluation): string {
  return JSON.stringify({
    n: result.n,
    accuracy: result.accuracy,
    error_rate: result.errorRate,
    classes: result.classes,
    confusion_matrix: result.confusionMatrix,
    most_confused: result.mostConfused,
  });
}

function formatSummary(result: FolderEvaluation, options: CliOptions): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const correct = Math.round(result.accuracy * result.n);
  const lines = [
    `Model ${options.model}`,
    `Data  ${options.data}${result.scope === 'valid' ? ' (valid/ split)' : ''}: ${result.n} images` +
      (options.tta ? ', with TTA' : ''),
    '',
    `accuracy    ${pct(result.accuracy)} (${correct}/${result.n})`,
    `error_rate  ${pct(result.errorRate)}`,
    '',
  ];
  const pairs = result.mostConfused.slice(0, 10);
  lines.push(
    pairs.length === 0
      ? 'most confused: none (every image classified correctly)'
      : 'most confused (actual → predicted: count)',
    ...pairs.map(([actual, predicted, count]) => `  ${actual} → ${predicted}: ${count}`),
  );
  if (result.mostConfused.length > pairs.length) {
    lines.push(`  … and ${result.mostConfused.length - pairs.length} more pairs (see --json)`);
  }
  const width = Math.max(5, ...result.classes.map((c) => c.length));
  lines.push(
    '',
    `${'class'.padEnd(width)}  precision  recall  support`,
    ...perClassPrecisionRecall(result.interp).map(
      (r) =>
        `${r.class.padEnd(width)}  ${r.precision.toFixed(3).padStart(9)}  ${r.recall.toFixed(3).padStart(6)}  ${String(r.support).padStart(7)}`,
    ),
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2));
  const log = (msg: string) => console.error(msg);
  await initBackend({ prefer: options.backend, log });
  const exported = await loadExport(options.model);
  try {
    log(
      `Evaluating ${options.data} with ${exported.preprocessing.arch} (${exported.classes.length} classes)…`,
    );
    const result = await evaluateFolder(exported, options.data, {
      bs: options.bs,
      tta: options.tta,
      onProgress: (done, total) => {
        if (done === total || done % (options.bs * 10) === 0) log(`  ${done}/${total} images`);
      },
    });
    console.log(options.json ? toJson(result) : formatSummary(result, options));
  } finally {
    exported.model.dispose();
  }
}

main().catch((error: unknown) => {
  const isUsage = error instanceof UsageError;
  console.error(`evaluate: ${error instanceof Error ? error.message : String(error)}`);
  if (isUsage) console.error(USAGE);
  process.exitCode = isUsage ? 2 : 1;
});
