// Cleaning labels from a stage's top losses (fastai's ImageCleaner), on real photos: marks by
// key and by click, saved as a new version, which a run trains in one click.
import { unzipSync } from 'fflate';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { launchBrowser, startStudio, type Studio } from './harness';

let studio: Studio;
let browser: Browser;
let page: Page;
let versionId: string;
let runId: string;
let stageId: string;
const CLASSES = ['0', '1', '2'];

beforeAll(async () => {
  studio = await startStudio();
  versionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes: CLASSES,
    perClass: 12,
  });
  runId = await studio.createRun({
    versionId,
    name: 'three signs',
    arch: 'mobilenet_v2_0.35',
    config: { size: 64, bs: 8 },
    stages: [{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
    launch: true,
  });
  const run = await studio.waitForRun(runId, 300_000);
  if (run.status !== 'done') throw new Error(`the run ended as ${run.status}`);
  stageId = run.stages[0]!.id;
  browser = await launchBrowser();
  page = await studio.newPage(browser, { viewport: { width: 1400, height: 1000 } });
}, 420_000);

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

/** The actual label a card's accessible name states. */
async function actualOf(card: Locator): Promise<string> {
  return (await card.getAttribute('aria-label'))!.match(/actual (\S+?),/)![1]!;
}

/** The class index (0-based) of another class than `label`. */
const otherThan = (label: string) => CLASSES.findIndex((c) => c !== label);

describe('cleaning labels from the top losses', () => {
  it('marks by key and click, saves a new version, and trains it with the same settings', async () => {
    await page.goto(`${studio.url}/runs/${runId}/stages/${stageId}`);
    const cards = page.getByTestId('top-losses').locator('[data-mark-card]');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(3);
    const fileIdOf = async (card: Locator) =>
      (await card.locator('img').getAttribute('src'))!.match(/files\/([0-9a-f-]{36})/)![1]!;

    // First image: a number key relabels it.
    const first = cards.nth(0);
    const firstActual = await actualOf(first);
    const firstTarget = CLASSES[otherThan(firstActual)]!;
    await first.focus();
    await page.keyboard.press(String(otherThan(firstActual) + 1));
    expect(await first.getAttribute('aria-label')).toContain(`marked: relabel to ${firstTarget}`);
    // The arrow key moves on; X excludes the second image.
    await page.keyboard.press('ArrowRight');
    const second = cards.nth(1);
    expect(await second.evaluate((el) => el === document.activeElement)).toBe(true);
    const secondActual = await actualOf(second);
    await page.keyboard.press('x');
    expect(await second.getAttribute('aria-label')).toContain('marked: exclude');
    // Third image by clicks: relabel, then change its mind with U on the fourth.
    const third = cards.nth(2);
    const thirdActual = await actualOf(third);
    const thirdTarget = CLASSES.filter((c) => c !== thirdActual).at(-1)!;
    await third.getByLabel(/Relabel the image/).click();
    await page.getByRole('option', { name: new RegExp(`· ${thirdTarget}$`) }).click();
    const fourth = cards.nth(3);
    await fourth.getByRole('button', { name: 'Exclude' }).click();
    await fourth.focus();
    await page.keyboard.press('u');
    expect(await fourth.getAttribute('aria-label')).toContain('not marked');

    const bar = page.getByTestId('corrections-bar');
    expect(await bar.textContent()).toContain('3 images marked: 2 to relabel, 1 to exclude.');
    if (process.env.STUDIO_SCREENSHOTS)
      await page
        .getByRole('tabpanel')
        .screenshot({ path: `${process.env.STUDIO_SCREENSHOTS}/top-losses-cleaning.png` });

    const marked = {
      first: await fileIdOf(first),
      second: await fileIdOf(second),
      third: await fileIdOf(third),
    };
    // The images behind a confusion-matrix cell carry the same marks, and take new ones.
    const firstPredicted = (await first.getAttribute('aria-label'))!.match(
      /predicted (\S+?),/,
    )![1]!;
    await page.getByRole('tab', { name: 'Confusion matrix' }).click();
    await page
      .getByRole('button', {
        name: new RegExp(`^actual ${firstActual}, predicted ${firstPredicted}:`),
      })
      .click();
    const drawer = page.getByRole('dialog');
    const inCell = drawer.locator('[data-mark-card]').filter({
      has: page.locator(`img[src*="${marked.first}"]`),
    });
    expect(await inCell.getAttribute('aria-label')).toContain(`marked: relabel to ${firstTarget}`);
    expect(await drawer.getByRole('button', { name: 'Exclude' }).count()).toBeGreaterThan(0);
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: 'Top losses' }).click();
    expect(await bar.textContent()).toContain('3 images marked');

    await page.getByRole('button', { name: 'Save as a new version' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Version 2 saved' });
    await expect.poll(() => status.count(), { timeout: 30_000 }).toBe(1);
    expect(await status.textContent()).toContain('2 labels changed, 1 image excluded');

    // The new version holds the corrections; the run's version is as it was.
    const db = studio.database.db;
    const corrected = await db.datasetVersion.findFirstOrThrow({
      where: { number: 2 },
      include: { items: true },
    });
    const source = await db.datasetVersionItem.findMany({ where: { versionId } });
    const labelIn = (items: typeof source, fileId: string) =>
      items.find((i) => i.fileId === fileId)?.labels[0];
    expect(labelIn(corrected.items, marked.first)).toBe(firstTarget);
    expect(labelIn(corrected.items, marked.third)).toBe(thirdTarget);
    expect(labelIn(corrected.items, marked.second)).toBeUndefined();
    expect(corrected.items).toHaveLength(source.length - 1);
    expect(labelIn(source, marked.first)).toBe(firstActual);
    const count = (items: typeof source, label: string, split: string) =>
      items.filter((i) => i.labels[0] === label && i.split === split).length;
    // Top losses are validation images: their class counts change as marked.
    const counts = corrected.counts as Record<string, Record<string, number>>;
    for (const label of CLASSES) {
      const gained = [firstTarget, thirdTarget].filter((t) => t === label).length;
      const lost = [firstActual, secondActual, thirdActual].filter((a) => a === label).length;
      expect(counts.valid![label] ?? 0).toBe(count(source, label, 'valid') + gained - lost);
    }

    // The audit trail records it: the stored event keeps the ids, the API shows the counts.
    const stored = await studio.database.db.auditEvent.findFirstOrThrow({
      where: { action: 'version.correct' },
      orderBy: { at: 'desc' },
    });
    expect(stored.detail).toMatchObject({ number: 2, stageId, relabelled: 2, excluded: 1 });
    const audit = (await (await studio.api('/api/audit?action=version.correct')).json()) as {
      events: { action: string; detail: { label: string; value: string }[] }[];
    };
    expect(audit.events[0]!.action).toBe('version.correct');
    expect(audit.events[0]!.detail).toEqual(
      expect.arrayContaining([
        { label: 'number', value: '2' },
        { label: 'relabelled', value: '2' },
        { label: 'excluded', value: '1' },
      ]),
    );

    // One click trains the new version with the run's settings and stages.
    await page.getByRole('button', { name: 'Train version 2 with the same settings' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const newRunId = page.url().split('/').at(-1)!;
    const [before, after] = await Promise.all(
      [runId, newRunId].map((id) =>
        db.run.findUniqueOrThrow({ where: { id }, include: { stages: true } }),
      ),
    );
    expect(after!.versionId).toBe(corrected.id);
    expect(after!.config).toEqual(before!.config);
    expect(after!.arch).toBe(before!.arch);
    expect(after!.stages.map((s) => [s.kind, s.params])).toEqual(
      before!.stages.map((s) => [s.kind, s.params]),
    );
    expect(after!.stages[0]!.status).not.toBe('pending'); // queued or already running

    // The dataset page says where version 2 came from.
    await page.goto(`${studio.url}/datasets/${corrected.datasetId}`);
    const from = page.getByTestId('version-2').getByTestId('corrected-from');
    expect(await from.textContent()).toContain(
      'Corrected from version 1: 2 labels changed, 1 image excluded',
    );
    expect(await from.getByRole('link', { name: 'this stage' }).getAttribute('href')).toBe(
      `/runs/${runId}/stages/${stageId}`,
    );
  }, 300_000);

  it("exports the stage's model with a model card", async () => {
    const response = await studio.api(`/api/stages/${stageId}/export`);
    expect(response.status).toBe(200);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['README.md', 'model.json', 'preprocessing.json']),
    );
    const card = new TextDecoder().decode(files['README.md']);
    expect(card).toContain('# three signs: stage 1');
    expect(card).toContain('**sign-language sample**, version 1');
    expect(card).toMatch(/\| 0 \| \d+ \| \d+ \|/); // class 0 with its train and valid counts
    expect(card).toContain('MobileNetV2 at width 0.35, ImageNet-trained, offline.');
    expect(card).not.toContain('clothing-small');
    expect(card).toContain('"size":64');
    expect(card).toMatch(/\| 1 \| fit_one_cycle \| \{[^|]*"epochs":1[^|]*\} \| done \|/);
    expect(card).toMatch(/Error rate of this model \(stage 1\): \d+\.\d\d % on \d+ images/);
    expect(card).toContain('| class | precision | recall | support |');
    expect(card).toContain('there is no "none of these" class');
  });

  it('predicts from a photo taken with the camera', async () => {
    // Chromium's fake camera (a moving test pattern) and an automatic yes to its permission prompt.
    const camera = await launchBrowser([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ]);
    try {
      const cameraPage = await studio.newPage(camera, {
        viewport: { width: 1400, height: 1000 },
        permissions: ['camera'],
      });
      await cameraPage.goto(`${studio.url}/runs/${runId}/stages/${stageId}`);
      await cameraPage.getByRole('tab', { name: 'Predict' }).click();
      await cameraPage.getByRole('button', { name: 'Use the camera' }).click();
      const view = cameraPage.getByLabel('Camera view');
      await expect
        .poll(() => view.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 15_000 })
        .toBeGreaterThan(0);
      await cameraPage.getByRole('button', { name: 'Take photo' }).click();
      const rows = cameraPage.getByTestId('predictions').locator('tbody tr');
      await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(CLASSES.length);
      const labels = await rows.locator('td:first-child').allTextContents();
      expect([...labels].sort()).toEqual(CLASSES);
      expect(
        await cameraPage.getByRole('img', { name: 'The photo being classified' }).count(),
      ).toBe(1);
      if (process.env.STUDIO_SCREENSHOTS)
        await cameraPage
          .getByRole('tabpanel')
          .screenshot({ path: `${process.env.STUDIO_SCREENSHOTS}/predict-webcam.png` });
    } finally {
      await camera.close();
    }
  });
});
