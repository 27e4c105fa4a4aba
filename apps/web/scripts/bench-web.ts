/**
 * `npm run bench -- --web`: how fast the server answers for a finished pets-sized run. Starts
 * the built web app (no worker) on a throwaway database, stores a run of the lesson's plan with
 * a 37-class interpretation over 1,478 validation images (generated predictions, see
 * pets-run-fixture.ts), then times sequential GETs of the stage results page, the run page and
 * the run's API answer, to the last byte of each body. One JSON line per page on stdout, notes
 * on stderr.
 *
 *   npm run -s bench -- --web [--requests 30]
 */
import { parseArgs } from 'node:util';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { ensureWebBuild, startStudio, type Studio } from '../e2e/harness';
import {
  finishPetsRun,
  LESSON_STAGES,
  PET_BREEDS,
  PETS_VALID_ITEMS,
  type FinishedPetsRun,
} from './pets-run-fixture';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '30' } } });
const requests = Number(values.requests);
if (!Number.isInteger(requests) || requests < 1)
  throw new Error(
    `--requests must be a whole number of at least 1; received "${values.requests}".`,
  );
const WARM_UP = 3;
const FIXTURE = `${PET_BREEDS.length} classes, ${PETS_VALID_ITEMS} validation items, generated predictions`;
const say = (line: string) => process.stderr.write(`${line}\n`);

/** The stored run: a real dataset version of the shared photos, the run made through the API. */
async function seedFinishedRun(studio: Studio): Promise<{ runId: string } & FinishedPetsRun> {
  const db = studio.database.db;
  const versionId = await seedSignLanguageVersion(db, {
    teamId: studio.teamId,
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    perClass: 206,
  });
  const runId = await studio.createRun({
    versionId,
    name: 'pets, lesson 1',
    arch: 'mobilenet_v2_0.35',
    config: { size: 224, bs: 64 },
    stages: LESSON_STAGES,
    launch: false,
  });
  // Validation images first, then training ones: the version has fewer than pets' 1,478.
  const items = await db.datasetVersionItem.findMany({
    where: { versionId },
    select: { fileId: true, split: true },
    orderBy: { fileId: 'asc' },
  });
  const fileIds = [
    ...items.filter((i) => i.split === 'valid'),
    ...items.filter((i) => i.split !== 'valid'),
  ]
    .slice(0, PETS_VALID_ITEMS)
    .map((i) => i.fileId);
  if (fileIds.length < PETS_VALID_ITEMS)
    throw new Error(
      `The seeded version has ${fileIds.length} images; the interpretation needs ${PETS_VALID_ITEMS}. Seed more per class.`,
    );
  return { runId, ...(await finishPetsRun(db, runId, fileIds)) };
}

/** What a results page must contain to be the 37-class one: the breeds and the matrix's counts. */
function checkResultsPage(html: string, run: FinishedPetsRun): void {
  const row = run.confusion[PET_BREEDS.indexOf('american_pit_bull_terrier')]!;
  const missing = ['yorkshire_terrier', JSON.stringify(row)].filter((text) => !html.includes(text));
  if (!new RegExp(`on (<!-- -->)?${PETS_VALID_ITEMS}(<!-- -->)? validation images`).test(html))
    missing.push(`"on ${PETS_VALID_ITEMS} validation images"`);
  if (missing.length > 0)
    throw new Error(
      `The results page does not show the ${PET_BREEDS.length}-class interpretation: missing ` +
        `${missing.join(', ')} in its ${html.length.toLocaleString('en')} characters.`,
    );
}

/** The run page and the API answer must carry the run with its 4 stages' batch rows. */
function checkRun(body: string, stored: number): void {
  const batches = body.match(/smoothLoss/g)?.length ?? 0;
  if (batches < stored)
    throw new Error(
      `The answer has ${batches} batch rows; the run stored ${stored}. Is this the stored run?`,
    );
}

function summarise(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const ms = (v: number) => Number(v.toFixed(1));
  return {
    p50_ms: ms(at(0.5)),
    p95_ms: ms(at(0.95)),
    mean_ms: ms(samples.reduce((a, b) => a + b, 0) / samples.length),
    max_ms: ms(sorted.at(-1)!),
  };
}

/** Sequential GETs as the owner, each timed to the end of its body; every answer must be 200. */
async function timePage(studio: Studio, pathname: string, check: (body: string) => void) {
  const get = async () => {
    const started = performance.now();
    const response = await fetch(`${studio.url}${pathname}`, {
      headers: { Cookie: studio.owner.cookie },
    });
    const body = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200)
      throw new Error(`GET ${pathname} answered ${response.status}: ${body.slice(0, 300)}`);
    return { ms, body };
  };
  for (let i = 0; i < WARM_UP; i++) check((await get()).body);
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const { ms, body } = await get();
    samples.push(ms);
    bytes = Buffer.byteLength(body);
  }
  return { ...summarise(samples), bytes };
}

ensureWebBuild(say);
say('starting the studio (built web app, no worker, a throwaway database)…');
const studio = await startStudio({ withWorker: false });
try {
  const started = performance.now();
  const run = await seedFinishedRun(studio);
  say(
    `stored run ${run.runId} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${FIXTURE}, error rate ${(run.errorRate * 100).toFixed(1)} % (frozen stage)`,
  );
  const pages = [
    {
      page: 'results',
      path: `/runs/${run.runId}/stages/${run.fitStageIds[0]}`,
      check: (html: string) => checkResultsPage(html, run),
    },
    {
      page: 'run',
      path: `/runs/${run.runId}`,
      check: (body: string) => checkRun(body, run.batches),
    },
    {
      page: 'api_run',
      path: `/api/runs/${run.runId}`,
      check: (body: string) => checkRun(body, run.batches),
    },
  ];
  for (const { page, path: pathname, check } of pages) {
    say(`timing ${pathname}: ${WARM_UP} warm-up and ${requests} timed requests…`);
    const timing = await timePage(studio, pathname, check);
    const line = {
      part: 'web',
      page,
      classes: PET_BREEDS.length,
      valid_items: PETS_VALID_ITEMS,
      requests,
      ...timing,
      fixture: FIXTURE,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
} finally {
  await studio.close();
}
