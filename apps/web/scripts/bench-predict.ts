/**
 * `npm run bench -- --predict`: how long one prediction takes through the HTTP API on a warm
 * worker. Starts the built web app and a worker on a throwaway database, trains a one-epoch
 * 224 px run on 5 signs × 40 photos, then posts one photo the run never saw `--requests` times
 * (after `--warmup` unmeasured ones) and prints p50/p95 of the round trip and of the worker's own
 * time, as one JSON line.
 *
 *   npm run bench -- --predict [--requests 50] [--warmup 5] [--arch mobilenet_v2_0.35] [--tta]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SHARED, seedSignLanguageVersion } from '@studio/db/testing';
import { ensureWebBuild, startStudio } from '../e2e/harness';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    arch: { type: 'string', default: 'mobilenet_v2_0.35' },
    tta: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const say = (line: string) => process.stderr.write(`${line}\n`);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 10) / 10;
}

ensureWebBuild(say);
say('starting the studio (built web app, one worker, a throwaway database)…');
const studio = await startStudio();
try {
  const versionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes: ['0', '1', '2', '3', '4'],
    perClass: 40,
  });
  const runId = await studio.createRun({
    versionId,
    name: 'predict latency',
    arch: values.arch,
    config: { size: 224, bs: 32 },
    stages: [{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
    launch: true,
  });
  say(`training run ${runId} (${values.arch}, 224 px, one epoch)…`);
  const run = await studio.waitForRun(runId, 900_000);
  if (run.status !== 'done') throw new Error(`The run ended as "${run.status}".`);
  const stageId = run.stages.at(-1)!.id;

  // The last photo of sign 3: the seed took the first 40 of each sign.
  const folder = path.join(SHARED, 'datasets/sign-language-digits/3');
  const photo = await readFile(path.join(folder, (await readdir(folder)).sort().at(-1)!));
  const predictOnce = async () => {
    const started = performance.now();
    const response = await studio.api(`/api/stages/${stageId}/predict?tta=${values.tta ? 1 : 0}`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/jpeg' },
      body: photo,
    });
    const body = (await response.json()) as { ms?: number; error?: string };
    if (!response.ok) throw new Error(`Predict answered ${response.status}: ${body.error}`);
    return { roundTrip: performance.now() - started, worker: body.ms ?? NaN };
  };
  say(`${warmup} warm-up predictions, then ${requests} measured…`);
  for (let i = 0; i < warmup; i++) await predictOnce();
  const times = [];
  for (let i = 0; i < requests; i++) times.push(await predictOnce());
  const roundTrips = times.map((t) => t.roundTrip);
  const workerMs = times.map((t) => t.worker);
  process.stdout.write(
    `${JSON.stringify({
      part: 'predict',
      arch: values.arch,
      size: 224,
      tta: values.tta,
      requests,
      p50_ms: percentile(roundTrips, 0.5),
      p95_ms: percentile(roundTrips, 0.95),
      worker_p50_ms: percentile(workerMs, 0.5),
      worker_p95_ms: percentile(workerMs, 0.95),
    })}\n`,
  );
} finally {
  await studio.close();
}
