import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSignLanguageVersion, SHARED } from '@studio/db/testing';
import { launchBrowser, startStudio, type Studio } from './harness';

const MOBILENET = path.join(SHARED, 'pretrained/mobilenet-v2-0.35-teachable-machine');
let studio: Studio;
let browser: Browser;
let page: Page;
let versionId: string;

const screenshot = async (name: string) => {
  if (process.env.STUDIO_SCREENSHOTS)
    await page.screenshot({
      path: `${process.env.STUDIO_SCREENSHOTS}/${name}.png`,
      fullPage: true,
    });
};

beforeAll(async () => {
  studio = await startStudio({ withWorker: false });
  versionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes: ['0', '1'],
    perClass: 6,
  });
  browser = await launchBrowser();
  page = await studio.newPage(browser, { viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

describe('uploaded backbones in the browser', () => {
  it('refuses a folder without its weights, uploads a whole one, and offers it to a new run', async () => {
    await page.goto(`${studio.url}/backbones`);
    await page.getByText('No uploaded backbones yet').waitFor();
    await screenshot('backbones-empty');

    const dropzoneInput = page.locator('input[type=file]');
    await dropzoneInput.setInputFiles([path.join(MOBILENET, 'model.json')]);
    await page.getByLabel('Name').fill('Teachable MobileNet');
    await page.getByRole('button', { name: 'Check and upload' }).click();
    const alert = page.getByRole('alert', { name: 'Not uploaded' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/missing: "weights\.bin"/);
    await screenshot('backbones-missing-shard');

    await dropzoneInput.setInputFiles(
      ['model.json', 'weights.bin', 'metadata.json'].map((n) => path.join(MOBILENET, n)),
    );
    await page.getByRole('combobox', { name: 'Input normalisation' }).click();
    await page.getByRole('option', { name: /\[-1, 1\]/ }).click();
    await screenshot('backbones-ready-to-upload');
    await page.getByRole('button', { name: 'Check and upload' }).click();
    const row = page.getByRole('row', { name: /Teachable MobileNet/ });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/224 × 224 × 3.*out_relu/);
    expect(await row.textContent()).toMatch(/mean 0\.5, 0\.5, 0\.5 · std 0\.5, 0\.5, 0\.5/);
    await screenshot('backbones-uploaded');

    await page.goto(`${studio.url}/runs/new?versionId=${versionId}`);
    await page.getByRole('link', { name: 'Upload a backbone' }).waitFor();
    await page.getByRole('combobox', { name: 'Architecture' }).click();
    await page.getByRole('option', { name: 'Teachable MobileNet' }).click();
    await page.getByText('Your upload: cut after out_relu').waitFor();
    await screenshot('new-run-uploaded-arch');
    await page.getByLabel('Batch size').fill('4');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const run = await studio.database.db.run.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const backbone = await studio.database.db.uploadedBackbone.findFirstOrThrow();
    expect(run.arch).toBe(`uploaded:${backbone.id}`);
    expect(backbone.teamId).toBe(studio.teamId);
    expect(run.teamId).toBe(studio.teamId);

    // The backbone now trains a run, so it cannot be deleted.
    const response = await studio.api(`/api/backbones/${backbone.id}`, { method: 'DELETE' });
    expect(response.status).toBe(409);
    await page.goto(`${studio.url}/backbones`);
    await page.getByRole('button', { name: 'Delete Teachable MobileNet (in use)' }).waitFor();
  });
});
