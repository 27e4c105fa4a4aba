import { mkdir, mkdtemp, readdir, readFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '@studio/db/testing';
import { cookieHeader, launchBrowser, startStudio, type Person, type Studio } from './harness';

const PHOTOS = path.join(SHARED, 'datasets/sign-language-digits');
let studio: Studio;
let browser: Browser;
let page: Page;
const ids = { dataset: '', version1: '', version2: '', run: '' };

const db = () => studio.database.db;
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

const photoNames = async (cls: string, count: number) =>
  (await readdir(path.join(PHOTOS, cls))).sort().slice(0, count);

/** Row count of every table and the bytes of every blob: what a delete must give back. */
async function snapshot() {
  const tables = await db().$queryRawUnsafe<{ name: string }[]>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`,
  );
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await db().$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM "${name}"`,
    );
    rows[name] = Number(row!.n);
  }
  const [bytes] = await db().$queryRawUnsafe<{ n: bigint | null }[]>(
    `SELECT sum(octet_length(data)) AS n FROM "BlobChunk"`,
  );
  // Sign-ins, the audit trail and the worker's bookkeeping grow on their own.
  for (const grows of ['Session', 'AuditEvent', 'RateLimit', 'Verification']) delete rows[grows];
  return { rows, blobBytes: Number(bytes!.n ?? 0) };
}

async function inviteViewer(): Promise<Person> {
  const created = await studio.api(
    '/api/invitations',
    json({ email: 'vi@studio.test', role: 'viewer' }),
  );
  const { code } = (await created.json()) as { code: string };
  const password = 'viewer-password-1';
  const accepted = await studio.api(
    '/api/invitations/accept',
    json({ code, name: 'Vi Viewer', password }),
    { email: '', password: '', cookie: '' },
  );
  expect(accepted.status).toBe(200);
  return { email: 'vi@studio.test', password, cookie: cookieHeader(accepted) };
}

let before: Awaited<ReturnType<typeof snapshot>>;
let viewer: Person;

beforeAll(async () => {
  studio = await startStudio();
  browser = await launchBrowser();
  page = await studio.newPage(browser, { viewport: { width: 1440, height: 900 } });
  viewer = await inviteViewer();
  before = await snapshot();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

describe('a dataset from upload to delete, in the browser', () => {
  it('uploads a folder and saves a version', async () => {
    const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'lifecycle-')), 'hands');
    for (const cls of ['0', '1']) {
      await mkdir(path.join(folder, cls), { recursive: true });
      for (const name of await photoNames(cls, 6))
        await copyFile(path.join(PHOTOS, cls, name), path.join(folder, cls, name));
    }
    await page.goto(`${studio.url}/datasets/new`);
    await page.getByLabel('Name').fill('Hands');
    await page.getByTestId('folder-input').setInputFiles(folder);
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/, { timeout: 180_000 });
    ids.dataset = page.url().split('/').pop()!;
    const saved = await studio.api(
      `/api/datasets/${ids.dataset}/versions`,
      json({ labelling: { scheme: 'folder' }, split: { validPct: 0.25, seed: 1 } }),
    );
    expect(saved.status).toBe(201);
    ids.version1 = ((await saved.json()) as { id: string }).id;
  });

  it('adds the photos of an archive dropped on the dataset page; the next version has them, the first does not change', async () => {
    const entries: Record<string, Uint8Array> = {};
    for (const name of await photoNames('2', 4))
      entries[`2/${name}`] = new Uint8Array(await readFile(path.join(PHOTOS, '2', name)));
    await page.goto(`${studio.url}/datasets/${ids.dataset}`);
    await page.getByRole('button', { name: 'Add photos' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add photos' });
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'more-hands.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zipSync(entries)),
    });
    await expect
      .poll(() => page.getByTestId('dataset-summary').textContent(), { timeout: 180_000 })
      .toMatch(/^16 images/);
    const saved = await studio.api(
      `/api/datasets/${ids.dataset}/versions`,
      json({ labelling: { scheme: 'folder' }, split: { validPct: 0.25, seed: 1 } }),
    );
    const second = (await saved.json()) as { id: string; classes: string[] };
    ids.version2 = second.id;
    const versions = await db().datasetVersion.findMany({
      where: { datasetId: ids.dataset },
      orderBy: { number: 'asc' },
      include: { _count: { select: { items: true } } },
    });
    expect(versions.map((v) => [v.number, v.classes, v._count.items])).toEqual([
      [1, ['0', '1'], 12],
      [2, ['0', '1', '2'], 16],
    ]);
  });

  it('renames, archives and restores a run from its page', async () => {
    const created = await studio.api(
      '/api/runs',
      json({
        versionId: ids.version1,
        name: 'first try',
        arch: 'mobilenet_v2_0.35',
        config: { bs: 4 },
        stages: [{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
        launch: false,
      }),
    );
    ids.run = ((await created.json()) as { id: string }).id;
    await page.goto(`${studio.url}/runs/${ids.run}`);
    await page.getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename the run' });
    await rename.getByLabel('Name').fill('baseline');
    await rename.getByLabel('Name').press('Enter');
    await expect
      .poll(() => page.getByRole('heading', { level: 1, name: 'baseline' }).count())
      .toBe(1);

    await page.getByRole('button', { name: 'Archive' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Restore' }).count()).toBe(1);
    await page.goto(`${studio.url}/runs`);
    expect(await page.getByRole('link', { name: 'baseline' }).count()).toBe(0);
    await page.goto(`${studio.url}/runs?archived=1`);
    expect(await page.getByRole('link', { name: 'baseline' }).count()).toBe(1);
    await page.goto(`${studio.url}/runs/${ids.run}`);
    await page.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Archive' }).count()).toBe(1);
    await page.goto(`${studio.url}/runs`);
    expect(await page.getByRole('link', { name: 'baseline' }).count()).toBe(1);
  });

  it('says a training run must be cancelled first, then deletes it from its page', async () => {
    const created = await studio.api(
      '/api/runs',
      json({
        versionId: ids.version1,
        name: 'short-lived',
        arch: 'mobilenet_v2_0.35',
        config: { bs: 4 },
        stages: [{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
        launch: false,
      }),
    );
    const runId = ((await created.json()) as { id: string }).id;
    // As a worker leaves it mid-stage.
    await db().stage.updateMany({ where: { runId }, data: { status: 'running' } });
    await page.goto(`${studio.url}/runs/${runId}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this run?' });
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toMatch(
      /still training; cancel it first/,
    );
    expect(await dialog.getByRole('button', { name: 'Delete run' }).isDisabled()).toBe(true);
    await page.keyboard.press('Escape');

    await db().stage.updateMany({ where: { runId }, data: { status: 'cancelled' } });
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const text = (await dialog.getByTestId('deletion-footprint').textContent()) ?? '';
    expect(text).toContain('Deleting short-lived also removes');
    expect(text).toContain('its stages, epoch tables, curves and results');
    await dialog.getByRole('button', { name: 'Delete run' }).click();
    await page.waitForURL(/\/runs$/);
    expect(await db().run.count({ where: { id: runId } })).toBe(0);
    expect(await db().auditEvent.count({ where: { action: 'run.delete', targetId: runId } })).toBe(
      1,
    );
  });

  it('deletes a version no run uses, and offers no delete for the one a run uses', async () => {
    await page.goto(`${studio.url}/datasets/${ids.dataset}`);
    await page.getByRole('tab', { name: 'Versions' }).click();
    expect(await page.getByRole('button', { name: 'Delete version 1' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Delete version 2' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete version' }).click();
    await expect.poll(() => page.getByTestId('version-2').count()).toBe(0);
    expect(await db().datasetVersion.count({ where: { id: ids.version2 } })).toBe(0);
  });

  it('shows a viewer no rename, archive or delete', async () => {
    const viewerPage = await studio.newPage(browser, {}, viewer);
    await viewerPage.goto(`${studio.url}/datasets/${ids.dataset}`);
    await viewerPage.getByTestId('dataset-summary').waitFor();
    for (const name of ['Rename', 'Archive', 'Delete', 'Add photos'])
      expect(await viewerPage.getByRole('button', { name, exact: true }).count()).toBe(0);
    await viewerPage.close();
  });

  it('deletes the dataset from a keyboard-driven confirmation that names what goes with it, and leaves nothing behind', async () => {
    await page.goto(`${studio.url}/datasets/${ids.dataset}`);
    const deleteButton = page.getByRole('button', { name: 'Delete', exact: true });
    await deleteButton.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete this dataset?' });
    const footprint = dialog.getByTestId('deletion-footprint');
    await footprint.waitFor();
    const text = (await footprint.textContent()) ?? '';
    expect(text).toContain('Deleting Hands also removes');
    for (const line of ['16 images and their thumbnails', '1 version', '1 run', '0 checkpoints'])
      expect(text).toContain(line);
    // 16 images and 16 thumbnails; the archive was removed once imported.
    expect(text).toMatch(/Storage freed: [\d.]+ [KM]B in 32 stored files/);
    // Escape keeps everything; the focused button opens it again.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await deleteButton.focus();
    await page.keyboard.press('Enter');
    await dialog.getByTestId('deletion-footprint').waitFor();
    await dialog.getByRole('button', { name: 'Delete dataset' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/datasets$/);
    expect(await page.getByRole('link', { name: 'Hands' }).count()).toBe(0);

    expect(await snapshot()).toEqual(before);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: 'dataset.delete' } });
    expect(audit.detail).toMatchObject({ name: 'Hands', images: 16, versions: 1, runs: 1 });
  });
});
