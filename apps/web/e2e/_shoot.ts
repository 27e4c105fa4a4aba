export {};
import path from 'node:path';
import { launchBrowser, startStudio } from './harness';

async function main() {
const studio = await startStudio();
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const shot = (name: string) => page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
try {
  await page.goto(`${studio.url}/datasets`);
  await page.waitForTimeout(1500);
  await shot('1-empty');
  await page.goto(`${studio.url}/datasets/new`);
  await page.waitForTimeout(500);
  await shot('2-new');
  await page.getByTestId('folder-input').setInputFiles('/work/shared/datasets/clothing-small');
  await page.waitForTimeout(4000);
  await shot('3-uploading');
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/, { timeout: 180_000 });
  await page.waitForTimeout(1500);
  await shot('4-label');
  await page.getByRole('tab', { name: 'Files' }).click();
  await page.waitForTimeout(1000);
  await page.getByRole('button', { name: /Open folder clothing-small/ }).click();
  await page.waitForTimeout(800);
  await page.getByRole('button', { name: /Open folder train/ }).click();
  await page.waitForTimeout(800);
  await page.getByRole('button', { name: /Open folder dress/ }).click();
  await page.waitForTimeout(2500);
  await shot('5-files');
  await page.getByRole('tab', { name: /Label/ }).click();
  await page.locator('label[for$="-regex"]').click();
  await page.getByLabel('Regular expression').fill('/nothing_(\\d+)\\.png$/');
  await page.waitForTimeout(1500);
  await shot('6-regex-error');
  await page.locator('label[for$="-folder"]').click();
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.waitForTimeout(1500);
  await page.getByRole('tab', { name: 'Versions' }).click();
  await page.waitForTimeout(800);
  await shot('7-versions');
  await page.goto(`${studio.url}/datasets`);
  await page.waitForTimeout(1000);
  await shot('8-list');
} finally {
  await browser.close();
  await studio.close();
}

}
void main();
