import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { launchBrowser, startStudio, type Studio } from './harness';

let studio: Studio;
let browser: Browser;
let owner: Page;
const viewport = { width: 1400, height: 1000 };

beforeAll(async () => {
  studio = await startStudio({ withWorker: false });
  browser = await launchBrowser();
  owner = await studio.newPage(browser, { viewport });
});

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

/** The owner invites someone on /team and reads the one-time link the page shows. */
async function invite(email: string, role: 'member' | 'viewer'): Promise<string> {
  await owner.goto(`${studio.url}/team`);
  await owner.getByLabel('E-mail to invite').fill(email);
  await owner.getByRole('combobox', { name: 'Role', exact: true }).click();
  await owner.getByRole('option', { name: role, exact: true }).click();
  await owner.getByRole('button', { name: 'Create invitation' }).click();
  const link = owner.getByTestId('invitation-link');
  await link.waitFor();
  return (await link.textContent())!;
}

/** A new person opens the link in a browser of their own, names themself and sets a password. */
async function join(link: string, name: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  await page.goto(link);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Choose a password').fill(password);
  await page.getByRole('button', { name: 'Join the team' }).click();
  await page.waitForURL(/\/runs$/);
  return page;
}

/** fetch from inside the page, as the studio's own scripts do (the browser adds cookie and Origin). */
function call(page: Page, method: string, url: string, body?: unknown) {
  return page.evaluate(
    async ({ method, url, body }) => {
      const response = await fetch(url, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    { method, url, body },
  );
}

describe('a team of three in the browser', () => {
  it('invites a member and a viewer; the viewer reads the member run but cannot change it', async () => {
    const memberLink = await invite('mo@studio.test', 'member');
    const viewerLink = await invite('vi@studio.test', 'viewer');
    expect(memberLink).toMatch(new RegExp(`^${studio.url}/invite/[\\w-]{20,}$`));
    await owner.reload();
    await owner
      .getByRole('table', { name: 'Open invitations' })
      .getByText('vi@studio.test')
      .waitFor();

    const member = await join(memberLink, 'Mo Member', 'member-password-1');
    const viewer = await join(viewerLink, 'Vi Viewer', 'viewer-password-1');
    // A used link says so instead of making a second account.
    const again = await (await browser.newContext()).newPage();
    await again.goto(memberLink);
    await again.getByText('This invitation was already used. Sign in instead.').waitFor();

    const versionId = await seedSignLanguageVersion(studio.database.db, {
      classes: ['0', '1'],
      perClass: 4,
      teamId: studio.teamId,
    });
    const created = await call(member, 'POST', '/api/runs', {
      versionId,
      name: 'mo first run',
      arch: 'mobilenet_v2_0.35',
      config: { bs: 2 },
      stages: [{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
      launch: false,
    });
    expect(created.status).toBe(201);
    const runId = created.body.id as string;

    // The viewer finds the run in the team's history, filtered by who started it.
    await viewer.goto(`${studio.url}/runs`);
    const history = viewer.getByTestId('run-history');
    await history.getByRole('link', { name: 'mo first run' }).waitFor();
    await viewer.getByRole('combobox', { name: 'Started by' }).click();
    await viewer.getByRole('option', { name: 'Mo Member' }).click();
    await viewer.waitForURL(/person=/);
    expect(await history.locator('tbody tr').count()).toBe(1);
    expect(await history.locator('tbody tr').first().textContent()).toContain('Mo Member');

    // Its page: who started it, and no control that changes it.
    await viewer.goto(`${studio.url}/runs/${runId}`);
    await viewer
      .getByTestId('run-summary')
      .getByText(/by Mo Member/)
      .waitFor();
    expect(await viewer.getByRole('button', { name: /Launch/ }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /Cancel/ }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /Remove stage/ }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Add stage' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Save notes' }).count()).toBe(0);
    // The server refuses the viewer's direct calls as well.
    const launched = await call(viewer, 'POST', `/api/runs/${runId}/launch`, { mode: 'next' });
    expect(launched.status).toBe(403);
    expect(launched.body.error).toMatch(/Viewers can read the team's work but not change it/);
    expect((await call(viewer, 'POST', `/api/runs/${runId}/cancel`)).status).toBe(403);
    // No "New run" leads a viewer to a forbidden page; typing its address does.
    await viewer.goto(`${studio.url}/runs`);
    await history.waitFor();
    expect(await viewer.getByRole('link', { name: 'New run' }).count()).toBe(0);
    const newRun = await viewer.goto(`${studio.url}/runs/new`);
    expect(newRun?.url()).toMatch(/\/forbidden$/);

    // The member can, and their tags show for everyone.
    await member.goto(`${studio.url}/runs/${runId}`);
    for (const button of await member.getByRole('button', { name: /Launch/ }).all())
      expect(await button.isDisabled()).toBe(false);
    await member.getByRole('combobox', { name: 'Tags' }).fill('baseline');
    await member.getByRole('combobox', { name: 'Tags' }).press('Enter');
    await member.getByLabel('Notes').fill('first try on two signs');
    await member.getByRole('button', { name: 'Save notes' }).click();
    await expect
      .poll(async () => (await call(member, 'GET', `/api/runs/${runId}`)).body.tags)
      .toEqual(['baseline']);
    await viewer.goto(`${studio.url}/runs?tag=baseline`);
    await viewer.getByTestId('run-history').getByRole('link', { name: 'mo first run' }).waitFor();

    // The owner's audit page names who did it.
    await owner.goto(`${studio.url}/audit`);
    const trail = owner.getByRole('table', { name: 'Audit trail' });
    await trail.getByText('created the run').first().waitFor();
    expect(await trail.locator('tr', { hasText: 'created the run' }).textContent()).toContain(
      'Mo Member',
    );
    expect(await trail.locator('tr', { hasText: 'member.join' }).count()).toBe(2);
    // Viewers have no audit page.
    await viewer.goto(`${studio.url}/audit`);
    expect(viewer.url()).toMatch(/\/forbidden$/);
  }, 180_000);

  it('switches teams, signs out everywhere and back in through the sign-in page', async () => {
    const page = await studio.newPage(browser, { viewport });
    await page.goto(`${studio.url}/team`);
    await page.getByLabel('New team name').fill('Second lab');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.waitForURL(/\/datasets$/);
    // The new team is empty and active; the switcher brings back the first.
    await page.getByText('No datasets yet').waitFor();
    const switcher = page.getByRole('combobox', { name: 'Active team' });
    expect(await switcher.inputValue()).toBe('Second lab · owner');
    await switcher.click();
    await page.getByRole('option', { name: 'Lesson one · owner' }).click();
    await page.waitForURL(/\/runs$/);
    await page.getByTestId('run-history').getByRole('link', { name: 'mo first run' }).waitFor();

    // Signing out everywhere also ends the owner's session in another browser.
    const elsewhere = await studio.signIn(studio.owner.email, studio.owner.password);
    expect((await studio.api('/api/runs', {}, elsewhere)).status).toBe(200);
    await page.getByRole('button', { name: /Account of/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out everywhere' }).click();
    await page.waitForURL(/\/sign-in$/);
    expect((await studio.api('/api/runs', {}, elsewhere)).status).toBe(401);
    await page.goto(`${studio.url}/runs`);
    expect(page.url()).toMatch(/\/sign-in$/);
    await page.getByLabel('E-mail').fill(studio.owner.email);
    await page.getByRole('textbox', { name: 'Password' }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The e-mail or password is not right.').waitFor();
    await page.getByRole('textbox', { name: 'Password' }).fill(studio.owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/runs$/);
  }, 120_000);
});
