import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED, seedSignLanguageVersion } from '@studio/db/testing';
import { PET_BREEDS } from '../scripts/pets-run-fixture';
import { launchBrowser, startStudio, type Studio } from './harness';

let studio: Studio;
let browser: Browser;
let page: Page;
let versionId: string;
let scratch: string;
const runIds: string[] = [];
const CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function createRun(name: string, size: number, epochs: number, findLr = false): Promise<string> {
  return studio.createRun({
    versionId,
    name,
    arch: 'mobilenet_v2_0.35',
    config: { size, bs: 32 },
    stages: [
      ...(findLr ? [{ kind: 'lr_find' }] : []),
      { kind: 'fit_one_cycle', epochs, maxLr: 3e-3 },
    ],
    launch: true,
  });
}

beforeAll(async () => {
  studio = await startStudio();
  // All ten signs, 20 photos each: a 10×10 confusion matrix with mistakes in it after a short fit.
  versionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes: CLASSES,
    perClass: 20,
  });
  runIds.push(await createRun('ten signs, 64 px', 64, 2));
  // The second run starts with the learning-rate finder on the fresh head, as a person would.
  runIds.push(await createRun('ten signs, 80 px', 80, 1, true));
  browser = await launchBrowser();
  page = await studio.newPage(browser, {
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: true,
  });
  scratch = await mkdtemp(path.join(tmpdir(), 'studio-results-'));
  for (const id of runIds) {
    const { status } = await studio.waitForRun(id, 300_000);
    if (status !== 'done') throw new Error(`run ${id} ended as "${status}", expected done`);
  }
}, 420_000);

afterAll(async () => {
  await browser?.close();
  await studio?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('reading and using a model in the studio', () => {
  it('shows top losses, the confusion matrix and the most confused pairs of a finished run', async () => {
    await page.goto(`${studio.url}/runs/${runIds[0]}`);
    await page.getByRole('link', { name: /^Results of stage 1/ }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}\/stages\/[0-9a-f-]{36}$/);

    const badge = await page.getByTestId('stage-error-rate').textContent();
    const validCount = Number(/on (\d+) validation images/.exec(badge ?? '')?.[1]);
    // 25 % of 200 photos, rounded per the split.
    expect(validCount).toBeGreaterThanOrEqual(45);
    expect(validCount).toBeLessThanOrEqual(55);

    // Top losses: nine images, each captioned prediction / actual and loss / probability.
    const tiles = page.getByTestId('top-losses').getByTestId('result-image');
    expect(await tiles.count()).toBe(9);
    const losses: number[] = [];
    for (const tile of await tiles.all()) {
      const text = (await tile.innerText())
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
      expect(text[0]).toMatch(/^\d \/ \d$/);
      const [loss, prob] = text[1]!.split(' / ').map(Number);
      expect(loss).toBeGreaterThan(0);
      expect(prob).toBeGreaterThanOrEqual(0);
      expect(prob).toBeLessThanOrEqual(1);
      // The loss is the cross-entropy of the actual class, -ln(p), to the two shown decimals.
      if (prob! >= 0.02)
        expect(Math.abs(loss! + Math.log(prob!))).toBeLessThan(0.005 / prob! + 0.01);
      losses.push(loss!);
    }
    expect(losses).toEqual([...losses].sort((a, b) => b - a));
    // Clicking a tile shows the image with its numbers.
    await tiles.first().click();
    await expect
      .poll(() => page.getByRole('table', { name: 'Prediction details' }).count())
      .toBe(1);
    await page.keyboard.press('Escape');
    if (process.env.STUDIO_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.STUDIO_SCREENSHOTS}/top-losses.png` });
    }

    // The confusion matrix: 10×10, and its cells add up to the validation count it states.
    await page.getByRole('tab', { name: 'Confusion matrix' }).click();
    const matrix = page.getByTestId('confusion-matrix');
    expect(await matrix.locator('tbody tr').count()).toBe(10);
    const counts = (await matrix
      .locator('tbody td')
      .evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-count'))))) as number[];
    expect(counts).toHaveLength(100);
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBe(validCount);
    const shown = await page.getByTestId('confusion-total').textContent();
    expect(shown).toContain(`${total} validation images`);
    const offDiagonal = counts
      .map((count, i) => ({ count, actual: Math.floor(i / 10), predicted: i % 10 }))
      .filter((c) => c.actual !== c.predicted && c.count > 0);
    expect(offDiagonal.length).toBeGreaterThan(0);
    // A cell opens its images: as many as it counts.
    const cell = offDiagonal.sort((a, b) => b.count - a.count)[0]!;
    await page
      .getByRole('button', {
        name: new RegExp(`^actual ${cell.actual}, predicted ${cell.predicted}:`),
      })
      .click();
    const drawer = page.getByRole('dialog');
    await expect.poll(() => drawer.getByTestId('result-image').count()).toBe(cell.count);
    await page.keyboard.press('Escape');

    // Most confused with min_val: exactly the off-diagonal cells with at least that count.
    await page.getByRole('tab', { name: 'Most confused' }).click();
    for (const minVal of [1, 2]) {
      await page.getByLabel('min_val', { exact: true }).fill(String(minVal));
      const expected = offDiagonal.filter((c) => c.count >= minVal).length;
      if (expected === 0) {
        await expect.poll(() => page.getByTestId('most-confused-empty').count()).toBe(1);
      } else {
        const rows = page.getByTestId('most-confused').locator('tbody tr');
        await expect.poll(() => rows.count()).toBe(expected);
        const pairCounts = (await rows.locator('td:nth-child(3)').allTextContents()).map(Number);
        expect(pairCounts.every((n) => n >= minVal)).toBe(true);
        expect(pairCounts).toEqual([...pairCounts].sort((a, b) => b - a));
      }
    }
  }, 120_000);

  it('predicts an uploaded photo and downloads the exported model', async () => {
    await page.getByRole('tab', { name: 'Predict' }).click();
    // A photo of a "3" that is not in the dataset (the seed took the first 20 of each sign).
    const folder = path.join(SHARED, 'datasets/sign-language-digits/3');
    const photo = path.join(folder, (await readdir(folder)).sort().at(-1)!);
    await page.locator('input[type=file]').setInputFiles(photo);
    const rows = page.getByTestId('predictions').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(5);
    const cells = await rows.locator('td').allTextContents();
    const labels = cells.filter((_, i) => i % 2 === 0);
    const probs = cells.filter((_, i) => i % 2 === 1).map((t) => Number(t.replace('%', '')) / 100);
    expect(labels.every((l) => CLASSES.includes(l))).toBe(true);
    expect(new Set(labels).size).toBe(5);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));
    expect(probs.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1.001);

    await page.getByRole('tab', { name: 'Export' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /^Download the model/ }).click(),
    ]);
    const zipPath = path.join(scratch, 'export.zip');
    await download.saveAs(zipPath);
    const files = unzipSync(new Uint8Array(await readFile(zipPath)));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['model.json', 'classes.json', 'preprocessing.json']),
    );
    const decode = (name: string) => JSON.parse(new TextDecoder().decode(files[name])) as unknown;
    expect(decode('classes.json')).toEqual(CLASSES);
    expect(decode('preprocessing.json')).toMatchObject({ size: 64, inputShape: [64, 64, 3] });
    const manifest = decode('model.json') as { weightsManifest: { paths: string[] }[] };
    for (const shard of manifest.weightsManifest.flatMap((g) => g.paths)) {
      expect(files[shard]?.byteLength ?? 0).toBeGreaterThan(0);
    }
  }, 120_000);

  it('shows the learning-rate finder of a fresh head with its suggestions', async () => {
    await page.goto(`${studio.url}/runs/${runIds[1]}`);
    const finder = page.locator('figure', { hasText: 'learning rate (log scale)' }).first();
    await expect.poll(() => finder.count(), { timeout: 30_000 }).toBe(1);
    // 100 iterations from 1e-7 unless the loss diverged first; a fresh head has room for both marks.
    await expect.poll(() => page.getByText('Suggested max_lr:').count()).toBe(1);
    const picks = page.getByRole('button', { name: /^(steepest descent|minimum ÷ 10):/ });
    expect(await picks.count()).toBeGreaterThan(0);
    if (process.env.STUDIO_SCREENSHOTS) {
      await finder.scrollIntoViewIfNeeded();
      await page
        .locator('div', { has: finder })
        .filter({ hasText: 'Suggested max_lr:' })
        .last()
        .screenshot({ path: `${process.env.STUDIO_SCREENSHOTS}/lr-finder.png` });
    }
  }, 60_000);

  it('compares the two runs side by side from the history', async () => {
    await page.goto(`${studio.url}/runs`);
    const history = page.getByTestId('run-history');
    await expect.poll(() => history.locator('tbody tr').count()).toBe(2);
    await page.getByRole('checkbox', { name: 'Select run ten signs, 64 px' }).check();
    await page.getByRole('checkbox', { name: 'Select run ten signs, 80 px' }).check();
    await page.getByTestId('compare-runs').click();
    await page.waitForURL(/\/runs\/compare\?ids=/);
    // The config diff flags what differs: the image size and the plan (one run found the lr first).
    const diff = page.getByTestId('config-diff');
    await expect.poll(() => diff.count(), { timeout: 30_000 }).toBe(1);
    const differing = await diff.locator('tr[data-differs="true"] th').allTextContents();
    expect(differing.join(' | ')).toMatch(/size/);
    expect(differing.join(' | ')).not.toMatch(/batch size|bs/i);
    for (const chart of ['compare-error-chart', 'compare-loss-chart', 'compare-batch-chart']) {
      expect(await page.getByTestId(chart).count()).toBe(1);
    }
    const summary = await page.getByTestId('compare-summary').innerText();
    expect(summary).toContain('ten signs, 64 px');
    expect(summary).toContain('ten signs, 80 px');
    // Both were judged on the same validation images: one has the fewest wrong, the other is
    // paired with it image by image, and the disagreements account for the gap in wrong counts.
    const wrong = [...summary.matchAll(/(\d+) of (\d+) \(95 % interval [\d.]+–[\d.]+ %\)/g)];
    expect(wrong).toHaveLength(2);
    expect(wrong[0]![2]).toBe(wrong[1]![2]);
    expect(summary.match(/[Ff]ewest wrong on these images/g)).toHaveLength(1);
    const pair =
      /Wrong on (\d+) that .+ gets right, right on (\d+) it misses\.\s+(Could be|Unlikely to be) chance \(p = [\d.<> ]+\)/.exec(
        summary,
      );
    expect(pair).not.toBeNull();
    const [lowest, other] = wrong.map((m) => Number(m[1])).sort((a, b) => a - b);
    expect(Number(pair![1]) - Number(pair![2])).toBe(other! - lowest!);
    if (process.env.STUDIO_SCREENSHOTS) {
      await page.screenshot({
        path: `${process.env.STUDIO_SCREENSHOTS}/compare.png`,
        fullPage: true,
      });
    }
  }, 60_000);

  it('keeps a 37-class confusion matrix readable', async () => {
    // Layout check with synthetic counts: no 37-class photo set is available offline, so the
    // 37 class names of the Oxford-IIIT Pet set (the lesson's dataset) label a generated matrix.
    const names = PET_BREEDS;
    const c = names.length;
    const db = studio.database.db;
    const files = await db.datasetVersionItem.findMany({
      where: { versionId, split: 'valid' },
      select: { fileId: true },
    });
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const targets: number[] = [];
    const preds: number[] = [];
    for (let actual = 0; actual < c; actual++) {
      for (let k = 0; k < 40; k++) {
        targets.push(actual);
        preds.push(random() < 0.85 ? actual : Math.floor(random() * c));
      }
    }
    const n = targets.length;
    const probs = new Float32Array(n * c);
    const losses: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) probs[i * c + j] = 0.2 / (c - 1);
      probs[i * c + preds[i]!] = 0.8;
      losses.push(-Math.log(probs[i * c + targets[i]!]!));
    }
    const confusion = names.map(() => names.map(() => 0));
    targets.forEach((t, i) => (confusion[t]![preds[i]!]! += 1));
    const run = await db.run.create({
      data: {
        name: '37-class layout check',
        versionId,
        teamId: studio.teamId,
        arch: 'mobilenet_v2_0.35',
        config: { size: 64, bs: 32 },
        status: 'done',
        stages: {
          create: {
            index: 0,
            kind: 'fit_one_cycle',
            params: { epochs: 1, maxLr: 3e-3 },
            status: 'done',
            interpretation: {
              create: {
                classes: names,
                fileIds: targets.map((_, i) => files[i % files.length]!.fileId),
                targets,
                preds,
                losses,
                probs: new Uint8Array(probs.buffer),
                confusion,
                perClass: names.map((name, i) => ({
                  class: name,
                  precision:
                    confusion[i]![i]! /
                    Math.max(
                      1,
                      confusion.reduce((a, r) => a + r[i]!, 0),
                    ),
                  recall: confusion[i]![i]! / 40,
                  support: 40,
                })),
                errorRate: 1 - confusion.reduce((a, r, i) => a + r[i]!, 0) / n,
              },
            },
          },
        },
      },
      include: { stages: true },
    });
    await page.goto(`${studio.url}/runs/${run.id}/stages/${run.stages[0]!.id}`);
    await page.getByRole('tab', { name: 'Confusion matrix' }).click();
    const matrix = page.getByTestId('confusion-matrix');
    await expect.poll(() => matrix.locator('tbody tr').count()).toBe(c);
    const layout = await matrix.evaluate((table) => {
      const cells = [...table.querySelectorAll('tbody td')] as HTMLElement[];
      const heads = [...table.querySelectorAll('thead th span')] as HTMLElement[];
      return {
        widths: [...new Set(cells.map((td) => Math.round(td.getBoundingClientRect().width)))],
        overflowing: cells.filter((td) => td.scrollWidth > td.clientWidth + 1).length,
        headerHeights: heads.map((h) => h.getBoundingClientRect().height),
        tableWidth: table.getBoundingClientRect().width,
        // The scroll area around the table: the matrix should need no sideways scrolling.
        visibleWidth: table.closest('.mantine-ScrollArea-viewport')!.getBoundingClientRect().width,
      };
    });
    // Square cells of one width, no number spilling out of its cell, every class name shown
    // (vertical, so the matrix stays about as wide as a laptop screen).
    expect(layout.widths.length).toBe(1);
    expect(layout.widths[0]).toBeGreaterThanOrEqual(24);
    expect(layout.overflowing).toBe(0);
    expect(layout.headerHeights.every((h) => h > 20)).toBe(true);
    expect(layout.tableWidth).toBeLessThanOrEqual(layout.visibleWidth);
    const total = confusion.flat().reduce((a, b) => a + b, 0);
    expect(await page.getByTestId('confusion-total').textContent()).toContain(
      `${total} validation images`,
    );
    if (process.env.STUDIO_SCREENSHOTS) {
      await page.setViewportSize({ width: 1400, height: 1500 });
      await page.screenshot({ path: `${process.env.STUDIO_SCREENSHOTS}/confusion-37.png` });
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  }, 60_000);
});
