import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '@studio/db/testing';
import { launchBrowser, startStudio, type Studio } from './harness';

const DATASETS = path.join(SHARED, 'datasets');
let studio: Studio;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  studio = await startStudio();
  browser = await launchBrowser();
  page = await studio.newPage(browser, { viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

async function uploadFolder(folder: string, name: string): Promise<void> {
  await page.goto(`${studio.url}/datasets/new`);
  await page.getByLabel('Name').fill(name);
  await page.getByTestId('folder-input').setInputFiles(folder);
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/, { timeout: 180_000 });
}

async function openLabelTab(): Promise<void> {
  await page.getByRole('tab', { name: /Label & split/ }).click();
  await expect.poll(() => page.getByTestId('preview').count(), { timeout: 30_000 }).toBe(1);
}

/** Picks a labelling scheme in the segmented control (its radio inputs are visually hidden). */
async function chooseScheme(value: 'folder' | 'regex' | 'csv' | 'rule' | 'list'): Promise<void> {
  await page.locator(`label[for$="-${value}"]`).click();
}

async function previewTotals(): Promise<string> {
  await page.waitForFunction(
    () => !document.querySelector('[data-testid="preview"][aria-busy="true"]'),
  );
  return (await page.getByTestId('preview-totals').textContent()) ?? '';
}

describe('datasets in the browser', () => {
  it('shows what to do when there is no dataset yet', async () => {
    await page.goto(`${studio.url}/datasets`);
    expect(await page.getByText('No datasets yet').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Create your first dataset' }).count()).toBe(1);
  });

  it('imports sign-language-digits from a folder and splits it at random with a seed', async () => {
    await uploadFolder(path.join(DATASETS, 'sign-language-digits'), 'Sign language digits');
    expect(await page.getByTestId('dataset-summary').textContent()).toContain('2,062 images');
    await openLabelTab();
    expect(await page.getByTestId('preview-classes').textContent()).toBe('10 classes');
    const totals = await previewTotals();
    // 20 % of 2,062 images, drawn with seed 42.
    expect(totals).toMatch(
      /2,062 labelled · 1,6\d\d train \/ 4\d\d validation · 0 without a label/,
    );
    const [train, valid] = totals
      .match(/([\d,]+) train \/ ([\d,]+) validation/)!
      .slice(1)
      .map((n) => Number(n.replace(',', '')));
    expect(train! + valid!).toBe(2062);
    expect(Math.abs(valid! - 412)).toBeLessThanOrEqual(2);
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByRole('tab', { name: 'Versions' }).click();
    await expect.poll(() => page.getByTestId('version-1').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('version-1').getByTestId('version-totals').textContent()).toBe(
      `${train!.toLocaleString('en')} train / ${valid} validation`,
    );
  });

  it('imports clothing-small and takes its ImageNet-style folders as the split', async () => {
    const started = Date.now();
    await uploadFolder(path.join(DATASETS, 'clothing-small'), 'Clothing');
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `clothing-small: 3,409 images uploaded and imported through the browser in ${seconds.toFixed(1)} s`,
    );
    expect(await page.getByTestId('dataset-summary').textContent()).toContain('3,409 images');
    await openLabelTab();
    expect(await page.getByTestId('preview-classes').textContent()).toBe('10 classes');
    expect(await previewTotals()).toBe(
      '3,409 labelled · 3,068 train / 341 validation · 0 without a label',
    );
    const rows = page.getByRole('table', { name: 'Images per class and split' }).getByRole('row');
    expect(await rows.filter({ hasText: 't-shirt' }).first().textContent()).toBe('t-shirt79581');
  });

  it('labels a small set by pattern, by CSV and by a label function, and explains a pattern that matches nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pets-'));
    await mkdir(path.join(dir, 'images'));
    const names = [
      'great_pyrenees_1',
      'great_pyrenees_2',
      'Abyssinian_1',
      'Abyssinian_7',
      'Abyssinian_12',
      'pug_3',
    ];
    const lines = ['file,breed'];
    for (const [i, name] of names.entries()) {
      const png = await sharp({
        create: {
          width: 32 + i,
          height: 24,
          channels: 3,
          background: { r: 40 * i, g: 90, b: 200 - 30 * i },
        },
      })
        .jpeg()
        .toBuffer();
      await writeFile(path.join(dir, 'images', `${name}.jpg`), png);
      lines.push(`images/${name}.jpg,${name.replace(/_\d+$/, '').toLowerCase()}`);
    }
    await writeFile(path.join(dir, 'labels.csv'), `\ufeff${lines.join('\n')}\n`);
    await uploadFolder(dir, 'Pets sample');
    await openLabelTab();

    await chooseScheme('regex');
    await expect
      .poll(async () => (await page.getByTestId('preview-classes').textContent()) ?? '', {
        timeout: 15_000,
      })
      .toBe('3 classes');
    expect(
      await page.getByRole('table', { name: 'Images per class and split' }).textContent(),
    ).toContain('great_pyrenees');

    await page.getByLabel('Regular expression').fill('/([^/]+)-\\d+\\.png$/');
    await expect.poll(() => page.getByTestId('preview-error').count(), { timeout: 15_000 }).toBe(1);
    const message = (await page.getByTestId('preview-error').textContent()) ?? '';
    expect(message).toMatch(/No file name matched/);
    expect(message).toMatch(/Abyssinian_1\.jpg/);

    await chooseScheme('csv');
    await page.getByLabel('File column').fill('file');
    await page.getByLabel('Label column').fill('breed');
    await expect
      .poll(async () => (await page.getByTestId('preview-classes').textContent()) ?? '', {
        timeout: 15_000,
      })
      .toBe('3 classes');
    expect(
      await page.getByRole('table', { name: 'Images per class and split' }).textContent(),
    ).toContain('abyssinian');

    // A label function runs in the sandbox on a worker thread of the web server.
    await chooseScheme('rule');
    await page
      .getByRole('textbox', { name: 'Rule' })
      .fill("(name) => name[0] === name[0].toUpperCase() ? 'cat' : 'dog'");
    await expect
      .poll(async () => (await page.getByTestId('preview-classes').textContent()) ?? '', {
        timeout: 30_000,
      })
      .toBe('2 classes');
  });
});
