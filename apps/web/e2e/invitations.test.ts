import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, launchBrowser, startStudio, type Person, type Studio } from './harness';

/**
 * Joining a team from an invitation link: a new person makes their account on it; someone who
 * already has one signs in as that account and then joins. Nobody gets a session, or learns
 * whether an e-mail has an account, by holding a link.
 */

let studio: Studio;
let browser: Browser;
const viewport = { width: 1200, height: 900 };
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});
const anonymous: Person = { email: '', password: '', cookie: '' };
const people = {} as Record<'mo' | 'vi', Person>;

/** Invites an e-mail into the inviter's active team and answers the one-time code. */
async function invite(inviter: Person, email: string, role: string): Promise<string> {
  const created = await studio.api('/api/invitations', json({ email, role }), inviter);
  expect(created.status).toBe(201);
  return ((await created.json()) as { code: string }).code;
}

/** A new person accepts through the API, as the invite page's form does. */
async function joinAsNew(email: string, name: string): Promise<Person> {
  const password = `${name.toLowerCase()}-password-1`;
  const code = await invite(studio.owner, email, 'member');
  const joined = await studio.api(
    '/api/invitations/accept',
    json({ code, name, password }),
    anonymous,
  );
  expect(joined.status).toBe(200);
  return { email, password, cookie: cookieHeader(joined) };
}

/** A second team of `person`'s, active in the cookie this returns alongside their session. */
async function secondTeam(person: Person, name: string): Promise<Person> {
  const created = await studio.api('/api/teams', json({ name }), person);
  expect(created.status).toBe(201);
  const session = person.cookie
    .split('; ')
    .filter((pair) => !pair.startsWith('studio-team='))
    .join('; ');
  return { ...person, cookie: `${session}; ${cookieHeader(created)}` };
}

/** What the invitation page's card says (the header around it shows live health). */
const cardText = async (page: Page, title: string) =>
  (await page.getByRole('region', { name: title }).innerText()).trim();

beforeAll(async () => {
  studio = await startStudio({ withWorker: false });
  browser = await launchBrowser();
  people.mo = await joinAsNew('mo@studio.test', 'Mo');
  people.vi = await joinAsNew('vi@studio.test', 'Vi');
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

describe('invitations for e-mails that have an account', () => {
  it('never sign anyone in for a password guessed at the link, and burn after a few tries', async () => {
    // A viewer of the first team starts a team of their own and invites Mo's e-mail into it.
    const trap = await secondTeam(people.vi, 'Trap');
    const code = await invite(trap, people.mo.email, 'owner');
    const attempts = [];
    for (const password of ['guess-number-1', 'guess-number-2', people.mo.password]) {
      const answer = await studio.api(
        '/api/invitations/accept',
        json({ code, name: 'Mallory', password }),
        anonymous,
      );
      attempts.push({
        status: answer.status,
        error: ((await answer.json()) as { error: string }).error,
        cookies: answer.headers.getSetCookie().join(),
      });
    }
    expect(attempts.map((a) => a.cookies.includes('session_token'))).toEqual([false, false, false]);
    for (const attempt of attempts) {
      expect(attempt.status).toBe(403);
      expect(attempt.error).not.toMatch(/existing|password/i);
    }
    // The right password got the same answer as the guesses.
    expect(new Set(attempts.map((a) => a.error)).size).toBe(1);
    // After three refusals the link is spent, even for Mo.
    const spent = await studio.api('/api/invitations/accept', json({ code }), people.mo);
    expect(spent.status).toBe(410);
    const memberships = await studio.database.db.membership.findMany({
      where: { user: { email: people.mo.email } },
      include: { team: true },
    });
    expect(memberships.map((m) => m.team.name)).toEqual(['Lesson one']);
  });

  it('shows a visitor without a session the same page whether or not the e-mail has an account', async () => {
    const lab = await secondTeam(studio.owner, 'Open lab');
    const forMo = await invite(lab, people.mo.email, 'member');
    const forNew = await invite(lab, 'newcomer@studio.test', 'member');
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(`${studio.url}/invite/${forMo}`);
    await page.getByRole('button', { name: 'Join the team' }).waitFor();
    const moText = (await cardText(page, 'Join Open lab')).replaceAll(people.mo.email, 'EMAIL');
    await page.goto(`${studio.url}/invite/${forNew}`);
    await page.getByRole('button', { name: 'Join the team' }).waitFor();
    const newText = (await cardText(page, 'Join Open lab')).replaceAll(
      'newcomer@studio.test',
      'EMAIL',
    );
    expect(moText).toBe(newText);
    expect(moText).toContain('Sign in as EMAIL');
    expect(await page.getByLabel('Your name').count()).toBe(1);
  });

  it('lets the person join by signing in as that account, and refuses anyone else', async () => {
    const lab = await secondTeam(studio.owner, 'Reading group');
    const code = await invite(lab, people.mo.email, 'member');

    // Signed in as somebody else: the page says whose link it is, and the server refuses.
    const viPage = await studio.newPage(browser, { viewport }, people.vi);
    await viPage.goto(`${studio.url}/invite/${code}`);
    await viPage.getByText(`This invitation is for ${people.mo.email}`).waitFor();
    expect(await viPage.getByRole('button', { name: 'Join the team' }).count()).toBe(0);
    const refused = await studio.api('/api/invitations/accept', json({ code }), people.vi);
    expect(refused.status).toBe(403);

    // Mo, not signed in in this browser, opens the link, signs in as himself, and joins.
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(`${studio.url}/invite/${code}`);
    await page.getByRole('link', { name: `Sign in as ${people.mo.email}` }).click();
    await page.waitForURL(/\/sign-in\?/);
    await page.getByLabel('E-mail').fill(people.mo.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(people.mo.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/invite/${code}$`));
    await page.getByText(`You are signed in as ${people.mo.email}`).waitFor();
    await page.getByRole('button', { name: 'Join the team' }).click();
    await page.waitForURL(/\/runs$/);
    const switcher = page.getByRole('combobox', { name: 'Active team' });
    await expect.poll(() => switcher.inputValue()).toBe('Reading group · member');
    // The link is used up.
    const again = await studio.api('/api/invitations/accept', json({ code }), people.mo);
    expect(again.status).toBe(410);
  });

  it('refuses an account for an e-mail that has one, without a session, in the browser too', async () => {
    const lab = await secondTeam(studio.owner, 'Study hall');
    const code = await invite(lab, people.vi.email, 'viewer');
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(`${studio.url}/invite/${code}`);
    await page.getByLabel('Your name').fill('Not Vi');
    await page.getByLabel('Choose a password').fill('another-password-1');
    await page.getByRole('button', { name: 'Join the team' }).click();
    await page.getByRole('alert').getByText(`sign in as ${people.vi.email}`).waitFor();
    expect(page.url()).toMatch(new RegExp(`/invite/${code}$`));
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name).join()).not.toContain('session_token');
  });
});
