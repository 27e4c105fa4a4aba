/**
 * `npm run load`: the studio under load on loopback. Starts the built web app and a worker on a
 * throwaway database, starts a training run, measures its batches per second, then for
 * `--seconds` has `--browsers` people reading the run's pages (autocannon) and `--uploaders`
 * people uploading photos into datasets of their own, and measures the training rate again.
 * Prints p50/p95/p99 latencies, status counts, the training rate before and during the load,
 * and one JSON line; exits 1 when any request failed or answered an error status.
 *
 *   npm run load -- [--browsers 50] [--uploaders 10] [--seconds 30] [--json]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SHARED, seedSignLanguageVersion } from '@studio/db/testing';
import { ensureWebBuild, startStudio, type Studio } from '../e2e/harness';

const { values } = parseArgs({
  options: {
    browsers: { type: 'string', default: '50' },
    uploaders: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
  },
});
const browsers = Number(values.browsers);
const uploaders = Number(values.uploaders);
const seconds = Number(values.seconds);
const say = (line: string) => process.stderr.write(`${line}\n`);
const SIGNS = path.join(SHARED, 'datasets/sign-language-digits');

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const ms = (v: number) => Math.round(v);
  return {
    n: sorted.length,
    p50: ms(at(0.5)),
    p95: ms(at(0.95)),
    p99: ms(at(0.99)),
    max: ms(sorted.at(-1) ?? 0),
  };
}

/** Batches the stage has recorded, read from Postgres (the worker writes one row per batch). */
async function batchesDone(studio: Studio, stageId: string): Promise<number> {
  return studio.database.db.batchMetric.count({ where: { stageId } });
}

/** Training batches per second over `ms`, from the rows the worker wrote in that window. */
async function trainingRate(studio: Studio, stageId: string, ms: number): Promise<number> {
  const before = await batchesDone(studio, stageId);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = await batchesDone(studio, stageId);
  return (after - before) / ((performance.now() - started) / 1000);
}

/** Photos for the uploaders: 10 per request, different names on every request. */
async function photoBatches(): Promise<{ name: string; bytes: Uint8Array<ArrayBuffer> }[][]> {
  const photos: { name: string; bytes: Uint8Array<ArrayBuffer> }[] = [];
  for (const sign of ['0', '1', '2', '3', '4']) {
    for (const name of (await readdir(path.join(SIGNS, sign))).sort().slice(0, 8))
      photos.push({
        name: `${sign}/${name}`,
        bytes: new Uint8Array(await readFile(path.join(SIGNS, sign, name))),
      });
  }
  return Array.from({ length: 4 }, (_, i) => photos.slice(i * 10, i * 10 + 10));
}

/** One person uploading until `until`: a dataset of their own, batches of 10 photos. */
async function uploader(
  studio: Studio,
  index: number,
  until: number,
  batches: Awaited<ReturnType<typeof photoBatches>>,
) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const count = (status: string) => (statuses[status] = (statuses[status] ?? 0) + 1);
  const created = await studio.api('/api/datasets', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sourceKind: 'folder', name: `load ${index}` }),
  });
  count(String(created.status));
  const { id } = (await created.json()) as { id: string };
  let photos = 0;
  for (let round = 0; performance.now() < until; round++) {
    const form = new FormData();
    for (const photo of batches[round % batches.length]!)
      form.append('files', new File([photo.bytes], `round-${round}/${photo.name}`));
    const started = performance.now();
    const response = await studio
      .api(`/api/datasets/${id}/files`, { method: 'POST', body: form })
      .catch((error: Error) => ({ status: `error: ${error.message}`, ok: false }) as const);
    latencies.push(performance.now() - started);
    count(String(response.status));
    if (response.ok)
      photos += ((await (response as Response).json()) as { imported: number }).imported;
  }
  return { latencies, statuses, photos };
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
    name: 'training under load',
    arch: 'mobilenet_v2_0.35',
    config: { size: 96, bs: 16, precompute: 'off' },
    stages: [{ kind: 'fit_one_cycle', epochs: 100, maxLr: 3e-3 }],
    launch: true,
  });
  const run = (await (await studio.api(`/api/runs/${runId}`)).json()) as {
    stages: { id: string }[];
  };
  const stageId = run.stages[0]!.id;
  const deadline = Date.now() + 180_000;
  while ((await batchesDone(studio, stageId)) < 5) {
    if (Date.now() > deadline) throw new Error('The run did not start training within 180 s.');
    await new Promise((r) => setTimeout(r, 1000));
  }
  say(`run ${runId} is training; measuring its rate alone for ${seconds} s…`);
  const rateAlone = await trainingRate(studio, stageId, seconds * 1000);

  say(
    `load: ${browsers} people reading run pages, ${uploaders} uploading photos, for ${seconds} s…`,
  );
  const batches = await photoBatches();
  const until = performance.now() + seconds * 1000;
  const pageLatencies: number[] = [];
  const pageStatuses: Record<string, number> = {};
  let cannon!: autocannon.Instance;
  const pagesDone = new Promise<autocannon.Result>((resolve, reject) => {
    cannon = autocannon(
      {
        url: studio.url,
        connections: browsers,
        duration: seconds,
        headers: { Cookie: studio.owner.cookie },
        requests: [
          { method: 'GET', path: `/runs/${runId}` },
          { method: 'GET', path: `/api/runs/${runId}` },
          { method: 'GET', path: '/runs' },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  cannon.on('response', (_client, statusCode, _bytes, responseTime) => {
    pageLatencies.push(responseTime);
    pageStatuses[statusCode] = (pageStatuses[statusCode] ?? 0) + 1;
  });
  const [rateLoaded, pages, ...uploads] = await Promise.all([
    trainingRate(studio, stageId, seconds * 1000),
    pagesDone,
    ...Array.from({ length: uploaders }, (_, i) => uploader(studio, i, until, batches)),
  ]);
  await studio.api(`/api/runs/${runId}/cancel`, { method: 'POST' }).catch(() => undefined);

  const uploadStatuses: Record<string, number> = {};
  for (const u of uploads)
    for (const [status, n] of Object.entries(u.statuses))
      uploadStatuses[status] = (uploadStatuses[status] ?? 0) + n;
  const isError = (statuses: Record<string, number>) =>
    Object.entries(statuses)
      .filter(([s]) => !/^2\d\d$/.test(s))
      .reduce((a, [, n]) => a + n, 0);
  const summary = {
    part: 'load',
    browsers,
    uploaders,
    seconds,
    pages: {
      ...percentiles(pageLatencies),
      rps: Math.round(pageLatencies.length / seconds),
      statuses: pageStatuses,
      errors: pages.errors + pages.timeouts,
    },
    uploads: {
      ...percentiles(uploads.flatMap((u) => u.latencies)),
      photos: uploads.reduce((a, u) => a + u.photos, 0),
      statuses: uploadStatuses,
    },
    training: {
      batches_per_s_alone: Number(rateAlone.toFixed(3)),
      batches_per_s_loaded: Number(rateLoaded.toFixed(3)),
      drop_pct: Number((100 * (1 - rateLoaded / rateAlone)).toFixed(1)),
    },
    failed: isError(pageStatuses) + pages.errors + pages.timeouts + isError(uploadStatuses),
  };
  say(
    [
      `run pages: ${summary.pages.n} answers, p50 ${summary.pages.p50} ms, p95 ${summary.pages.p95} ms, p99 ${summary.pages.p99} ms, statuses ${JSON.stringify(pageStatuses)}, errors ${summary.pages.errors}`,
      `uploads: ${summary.uploads.n} requests (${summary.uploads.photos} photos), p50 ${summary.uploads.p50} ms, p95 ${summary.uploads.p95} ms, statuses ${JSON.stringify(uploadStatuses)}`,
      `training: ${rateAlone.toFixed(2)} batches/s alone, ${rateLoaded.toFixed(2)} under load (${summary.training.drop_pct}% slower)`,
    ].join('\n'),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.failed === 0 ? 0 : 1;
} finally {
  await studio.close();
}
