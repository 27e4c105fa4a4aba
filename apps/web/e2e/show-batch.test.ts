// show_batch and the augmentation preview in the browser, on real photos, computed by the worker.
import sharp from 'sharp';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { launchBrowser, startStudio, type Studio } from './harness';

let studio: Studio;
let browser: Browser;
let page: Page;
let versionId: string;
const classes = ['0', '1', '2', '3'];

beforeAll(async () => {
  studio = await startStudio();
  versionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes,
    perClass: 12,
  });
  browser = await launchBrowser();
  page = await studio.newPage(browser, { viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

/** The images of a grid once loaded: each one's PNG bytes and caption. */
async function gridImages(grid: Locator, count: number) {
  await expect.poll(() => grid.getByRole('listitem').count(), { timeout: 60_000 }).toBe(count);
  const items = await grid.getByRole('listitem').all();
  return Promise.all(
    items.map(async (item) => {
      const src = (await item.getByRole('img').getAttribute('src')) ?? '';
      return {
        png: Buffer.from(src.replace(/^data:image\/png;base64,/, ''), 'base64'),
        caption: (await item.locator('figcaption').textContent()) ?? '',
      };
    }),
  );
}

/** How many of the grid's images differ from `before`'s. */
async function changedDraws(grid: Locator, before: { png: Buffer }[]): Promise<number> {
  const now = await gridImages(grid, before.length);
  return now.filter((d, i) => !d.png.equals(before[i]!.png)).length;
}

async function firstWidth(grid: Locator): Promise<number | undefined> {
  const src = (await grid.getByRole('img').first().getAttribute('src')) ?? '';
  return (await sharp(Buffer.from(src.split(',')[1] ?? '', 'base64')).metadata()).width;
}

const screenshot = async (locator: Locator, name: string) => {
  if (process.env.STUDIO_SCREENSHOTS)
    await locator.screenshot({ path: `${process.env.STUDIO_SCREENSHOTS}/${name}.png` });
};

describe('looking at the data in the browser', () => {
  it("shows a labelled batch on the dataset version's page, rows adjustable", async () => {
    const datasetId = (
      await studio.database.db.datasetVersion.findUniqueOrThrow({ where: { id: versionId } })
    ).datasetId;
    await page.goto(`${studio.url}/datasets/${datasetId}`);
    await page.getByRole('button', { name: 'Show a batch of version 1' }).click();
    const panel = page.getByTestId('show-batch');
    const first = await gridImages(panel.getByRole('list', { name: 'Training batch 1' }), 9);
    for (const image of first) {
      expect(classes).toContain(image.caption);
      const meta = await sharp(image.png).metadata();
      expect([meta.width, meta.height]).toEqual([224, 224]);
    }
    await screenshot(panel, 'show-batch');

    await page.getByRole('button', { name: 'Another batch' }).click();
    const second = await gridImages(panel.getByRole('list', { name: 'Training batch 2' }), 9);
    expect(second.map((i) => i.png.toString('base64'))).not.toEqual(
      first.map((i) => i.png.toString('base64')),
    );

    await panel.getByLabel('Rows').fill('2');
    await gridImages(panel.getByRole('list', { name: 'Training batch 2' }), 4);

    await panel.locator('label', { hasText: 'Validation' }).click();
    const valid = await gridImages(panel.getByRole('list', { name: 'Validation batch 2' }), 4);
    expect(valid.every((i) => classes.includes(i.caption))).toBe(true);
  });

  it('previews the run form settings: the batch and eight augmentation draws follow them', async () => {
    await page.goto(`${studio.url}/runs/new?versionId=${versionId}`);
    const draws = page.getByRole('list', { name: 'Augmentation draws' });
    const before = await gridImages(draws, 8);
    expect(new Set(before.map((d) => d.png.toString('base64'))).size).toBe(8);
    const batch = page.getByRole('list', { name: 'Training batch 1' });
    await gridImages(batch, 9);

    await page.getByLabel('Image size').fill('96');
    await expect.poll(() => firstWidth(draws), { timeout: 60_000 }).toBe(96);
    await expect.poll(() => firstWidth(batch), { timeout: 60_000 }).toBe(96);
    const at96 = await gridImages(draws, 8);

    // Another seed, other draws; the same seed again, the same draws.
    await page.getByLabel('Seed').fill('7');
    await expect.poll(() => changedDraws(draws, at96), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByLabel('Seed').fill('42');
    await expect.poll(() => changedDraws(draws, at96), { timeout: 60_000 }).toBe(0);

    // Without augmentation every draw is the same picture.
    await page.getByLabel('Augment training images').click();
    await expect
      .poll(
        async () => new Set((await gridImages(draws, 8)).map((d) => d.png.toString('base64'))).size,
        { timeout: 60_000 },
      )
      .toBe(1);
    await page.getByLabel('Augment training images').click();
    await expect.poll(() => changedDraws(draws, at96), { timeout: 60_000 }).toBe(0);
    // A stronger setting redraws the same photo (a draw without an affine transform stays).
    await page.getByLabel('Max rotate').fill('45');
    await expect.poll(() => changedDraws(draws, at96), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByLabel('Image size').fill('224');
    await expect.poll(() => firstWidth(draws), { timeout: 60_000 }).toBe(224);
    await expect.poll(() => firstWidth(batch), { timeout: 60_000 }).toBe(224);
    await screenshot(page.getByTestId('run-previews'), 'run-form-previews');
  });

  it('says why a preview is missing while no worker runs, and draws it once one is back', async () => {
    await studio.stopWorker();
    const preview = page.getByTestId('augment-preview');
    const alert = preview.getByRole('alert');
    try {
      await page.goto(`${studio.url}/runs/new?versionId=${versionId}`);
      // A 503 is asked again a few times, saying so, before the preview gives up.
      await expect
        .poll(() => alert.textContent(), { timeout: 30_000 })
        .toMatch(/No worker that prepares previews is running.*Asking again in 2 s\./);
      await expect
        .poll(() => alert.textContent(), { timeout: 60_000 })
        .toMatch(
          /^The preview could not be drawnNo worker that prepares previews is running.*again\.Try again$/,
        );
    } finally {
      studio.startWorker();
    }
    await preview.getByRole('button', { name: 'Try again' }).click();
    await gridImages(page.getByRole('list', { name: 'Augmentation draws' }), 8);
    expect(await alert.count()).toBe(0);
  });
});
