// The first week of a team, in Chromium: pages that fit, say the truth and ask before they act.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyPng, writeZip } from '@studio/datasets/test-helpers';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { launchBrowser, startStudio, type Studio } from './harness';

const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const VIEWPORTS = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

let studio: Studio;
let browser: Browser;
let versionId = '';
let datasetId = '';
let runId = '';
let smallVersionId = '';

const createRun = (body: Record<string, unknown>) =>
  studio.createRun({ arch: 'mobilenet_v2_0.35', ...body });
const waitForRun = async (id: string) => (await studio.waitForRun(id, 400_000)).status;

/** A page that records the browser console's errors and the responses that failed. */
async function watchedPage(viewport: { width: number; height: number }) {
  const page = await studio.newPage(browser, { viewport });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

const shoot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });

beforeAll(async () => {
  studio = await startStudio();
  await mkdir(SCREENSHOTS, { recursive: true });
  versionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes: ['0', '1', '2', '3'],
    perClass: 16,
  });
  datasetId = (
    await studio.database.db.datasetVersion.findUniqueOrThrow({ where: { id: versionId } })
  ).datasetId;
  runId = await createRun({
    versionId,
    name: 'four signs with the learning-rate finder first',
    config: { size: 64, bs: 8 },
    stages: [{ kind: 'lr_find' }, { kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
    launch: true,
  });
  // A second, smaller version: 24 training images make few steps at fastai's batch of 64.
  smallVersionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes: ['0', '1'],
    perClass: 16,
  });
  browser = await launchBrowser();
  expect(await waitForRun(runId)).toBe('done');
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

describe('honest states and a tidy layout', () => {
  it('shows a run page without hydration errors, with a favicon and the LR labels inside the plot', async () => {
    const { page, errors } = await watchedPage(VIEWPORTS.desktop);
    await page.goto(`${studio.url}/runs/${runId}`);
    await page
      .getByTestId('run-summary')
      .getByText(/trained for/)
      .waitFor();
    await page.waitForLoadState('networkidle');
    expect(errors.filter((e) => /418|hydrat/i.test(e))).toEqual([]);
    expect((await page.request.get(`${studio.url}/favicon.ico`)).status()).toBe(200);

    // The suggestions' labels sit right of the y axis and inside the chart.
    const chart = page.locator('.recharts-wrapper').first();
    await chart.scrollIntoViewIfNeeded();
    const plot = (await chart.locator('.recharts-cartesian-grid').boundingBox())!;
    for (const label of await chart.locator('.recharts-reference-dot .recharts-label').all()) {
      const box = (await label.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(plot.x - 1);
      expect(box.x + box.width).toBeLessThanOrEqual(plot.x + plot.width + 1);
    }
    await shoot(page, 'run-page-1440');
    const phone = await watchedPage(VIEWPORTS.phone);
    await phone.page.goto(`${studio.url}/runs/${runId}`);
    await phone.page.getByTestId('run-summary').waitFor();
    await shoot(phone.page, 'run-page-390');
  });

  it('fits the runs table in 1440 px and asks before cancelling a run', async () => {
    const { page } = await watchedPage(VIEWPORTS.desktop);
    const longRun = await createRun({
      versionId,
      name: 'a plan long enough to cancel',
      config: { size: 64, bs: 8 },
      stages: [{ kind: 'fit_one_cycle', epochs: 30, maxLr: 3e-3 }, { kind: 'unfreeze' }],
      launch: true,
    });
    await page.goto(`${studio.url}/runs`);
    const table = page.getByTestId('run-history');
    await table.waitFor();
    const fits = await page.evaluate(() => {
      const container = document.querySelector('[data-testid="run-history"]')!.parentElement!;
      return container.scrollWidth <= container.clientWidth;
    });
    expect(fits).toBe(true);
    const nameCell = table.getByRole('link', {
      name: 'four signs with the learning-rate finder first',
    });
    // A run's name wraps over two lines at most.
    expect((await nameCell.boundingBox())!.height).toBeLessThan(50);
    await shoot(page, 'runs-list-1440');
    const phone = await watchedPage(VIEWPORTS.phone);
    await phone.page.goto(`${studio.url}/runs`);
    await phone.page.getByTestId('run-history').waitFor();
    await shoot(phone.page, 'runs-list-390');

    await page.goto(`${studio.url}/runs/${longRun}`);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/Stop the running stage/);
    await dialog.getByRole('button', { name: 'Keep' }).click();
    const stillGoing = (await (await studio.api(`/api/runs/${longRun}`)).json()) as {
      status: string;
    };
    expect(stillGoing.status).not.toBe('cancelled');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel the run' }).click();
    expect(await waitForRun(longRun)).toBe('cancelled');
    await page.reload();
    await page.getByTestId('run-status').getByText('cancelled').waitFor();
    const stages = (await (await studio.api(`/api/runs/${longRun}`)).json()) as {
      stages: { status: string }[];
    };
    expect(stages.stages.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('warns about an epoch of few steps, offers the batch size that gives 10, and never clamps silently', async () => {
    const { page } = await watchedPage(VIEWPORTS.desktop);
    await page.goto(`${studio.url}/runs/new?versionId=${smallVersionId}`);
    // fastai's batch of 64 is more than this version's 24 training images: the form says so.
    const batch = page.getByRole('textbox', { name: 'Batch size' });
    await page.getByText('Larger than the 24 training images').waitFor();
    expect(await batch.inputValue()).toBe('64');
    await batch.fill('20');
    const advice = page.getByTestId('batch-advice');
    await advice
      .getByText(/make 1 step per epoch: too few to learn well\. Batch size 2 gives 10/)
      .waitFor();
    await advice.getByRole('button', { name: 'Use batch size 2' }).click();
    expect(await batch.inputValue()).toBe('2');
    expect(await advice.count()).toBe(0);
    await batch.fill('512');
    await batch.blur();
    expect(await batch.inputValue()).toBe('512');
    await page.getByText('Larger than the 24 training images').waitFor();
  });

  it('keeps help texts short, with a link to the section that says more', async () => {
    const { page } = await watchedPage(VIEWPORTS.desktop);
    await page.goto(`${studio.url}/runs/new?versionId=${smallVersionId}`);
    // Each link sits in its setting's description, so its name need not repeat the setting's.
    const more = page.getByRole('link', { name: /^More in the run settings guide/ });
    expect(await more.evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual([
      '/help/run-settings#batch-size',
      '/help/run-settings#feature-cache-for-frozen-stages-precompute',
      '/help/run-settings#cached-views-per-image-precomputeviews',
    ]);
    const href = '/help/run-settings#feature-cache-for-frozen-stages-precompute';
    await page.goto(`${studio.url}${href}`);
    const section = page.locator('#feature-cache-for-frozen-stages-precompute');
    expect(await section.textContent()).toBe('Feature cache for frozen stages (precompute)');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Run settings in depth',
    );
    await shoot(page, 'help-run-settings-1440');
  });

  it('shows the dataset page and an audit trail of people, names and links', async () => {
    const { page } = await watchedPage(VIEWPORTS.desktop);
    await page.goto(`${studio.url}/datasets/${datasetId}`);
    await page.waitForLoadState('networkidle');
    await shoot(page, 'dataset-page-1440');
    const phone = await watchedPage(VIEWPORTS.phone);
    await phone.page.goto(`${studio.url}/datasets/${datasetId}`);
    await phone.page.waitForLoadState('networkidle');
    await shoot(phone.page, 'dataset-page-390');

    await page.goto(`${studio.url}/audit`);
    const trail = page.getByRole('table', { name: 'Audit trail' });
    await trail.waitFor();
    await trail
      .getByRole('link', { name: 'four signs with the learning-rate finder first' })
      .first()
      .waitFor();
    const text = (await trail.textContent()) ?? '';
    expect(text).toMatch(/created the run/);
    expect(text).toMatch(/created the team Lesson one/);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(text).not.toMatch(/[{}"]/);
    await shoot(page, 'audit-trail-1440');
    await phone.page.goto(`${studio.url}/audit`);
    await phone.page.getByRole('table', { name: 'Audit trail' }).waitFor();
    await shoot(phone.page, 'audit-trail-390');
  });

  it('refuses an empty archive in the browser without leaving a dataset behind', async () => {
    const { page } = await watchedPage(VIEWPORTS.desktop);
    const before = await studio.database.db.dataset.count();
    await page.goto(`${studio.url}/datasets/new`);
    await page.getByRole('tab', { name: 'Archive' }).click();
    await page
      .getByRole('tabpanel')
      .locator('input[type=file]')
      .setInputFiles({ name: 'photos.zip', mimeType: 'application/zip', buffer: Buffer.alloc(0) });
    await page.getByText('“photos.zip” is empty (0 bytes): not an archive.').waitFor();
    expect(await studio.database.db.dataset.count()).toBe(before);
  });

  it('lists a folder upload with no image, file by file, and keeps no dataset', async () => {
    const { page } = await watchedPage(VIEWPORTS.desktop);
    const before = await studio.database.db.dataset.count();
    await page.goto(`${studio.url}/datasets/new`);
    const folder = path.join(await mkdtemp(path.join(tmpdir(), 'studio-no-images-')), 'notes');
    await mkdir(folder);
    await writeFile(path.join(folder, 'notes.txt'), 'shopping list');
    await writeFile(path.join(folder, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]));
    await page.getByTestId('folder-input').setInputFiles(folder);
    await page.getByRole('alert').filter({ hasText: 'no dataset was made' }).waitFor();
    const listed = page.getByRole('list', { name: 'Files that are not images' });
    expect(await listed.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^notes\/broken\.jpg: ./),
      'notes/notes.txt: not an image; a text file, kept for labelling',
    ]);
    expect(await studio.database.db.dataset.count()).toBe(before);
    await rm(path.dirname(folder), { recursive: true, force: true });
  });

  it('shows the images of an archive import in the Files tab as soon as it finishes', async () => {
    const { page } = await watchedPage(VIEWPORTS.desktop);
    const entries = ['cats', 'dogs'].flatMap((folder, f) =>
      Array.from({ length: 20 }, (_, i) => ({
        name: `${folder}/${i}.png`,
        data: makeTinyPng(f * 100 + i),
      })),
    );
    await page.goto(`${studio.url}/datasets/new`);
    await page.getByRole('tab', { name: 'Archive' }).click();
    await page
      .getByRole('tabpanel')
      .locator('input[type=file]')
      .setInputFiles({ name: 'pets.zip', mimeType: 'application/zip', buffer: writeZip(entries) });
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
    // No reload: the tab follows the import to its end.
    await page.getByText('40 images under this folder').waitFor({ timeout: 120_000 });
  });

  it('keeps the navigation behind a menu on a phone', async () => {
    const { page } = await watchedPage(VIEWPORTS.phone);
    await page.goto(`${studio.url}/runs`);
    await page.getByTestId('run-history').waitFor();
    // The closed menu sits off the screen's left edge.
    const closed = await page.getByRole('link', { name: 'Datasets', exact: true }).boundingBox();
    expect(closed === null || closed.x + closed.width <= 0).toBe(true);
    await page.getByRole('button', { name: 'Open the menu' }).click();
    await page.getByRole('link', { name: 'Datasets', exact: true }).click();
    await page.waitForURL(/\/datasets$/);
  });
});
