// The web app in a real browser (Debian's chromium driven by playwright-core), against the app on a
// local host started from dist/ (`npm run build` first): members and a librarian walk through the page
// only, as people would. One host and one browser serve every journey; each waits for what the page
// shows, never for a fixed time. Screenshots go to test-results/web/; an accessibility scan (axe) of
// every screen finds no serious or critical violation.
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { eventually, librarian, library, repoRoot, startHost } from '../rentals/support-host';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'test-results/web');
const haveBrowser = fs.existsSync(CHROMIUM);
// A developer's machine without chromium skips, saying so; CI installs it (.ci/run) and must run these.
if (!haveBrowser && process.env.CI) throw new Error(`No browser at ${CHROMIUM}: .ci/run installs chromium.`);
if (!haveBrowser)
  process.stderr.write(`web journeys skipped: no browser at ${CHROMIUM} (apt-get install chromium)\n`);

// The notice webhook fails until the librarian's journey mends it, so notices are dead-lettered.
const webhook = { failing: true };
const server: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(webhook.failing ? 503 : 204).end());
});

let host: LocalHost;
let lib: ReturnType<typeof library>;
let browser: Browser;
const fixture = { member: '', poorMember: '', borrower: '', book: '', dearBook: '', boardBook: '' };

beforeAll(async () => {
  if (!haveBrowser) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The app reads these once, when it loads.
  process.env.NOTICE_WEBHOOK_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`;
  process.env.LOCAL_SERVICE_BUS = JSON.stringify({ entities: { notifications: { maxDeliveryCount: 2 } } });
  host = await startHost({ dev: true });
  lib = library(host.url);
  fixture.book = (
    await lib.addBook({ title: 'Refactoring', author: 'Martin Fowler', price: 700, copies: 2 })
  ).id;
  fixture.dearBook = (await lib.addBook({ title: '토지 1', author: '박경리', price: 5000, copies: 1 })).id;
  fixture.boardBook = (await lib.addBook({ title: '아몬드', author: '손원평', price: 200, copies: 4 })).id;
  fixture.member = await lib.addMember(3000, 'Alex Kim');
  fixture.poorMember = await lib.addMember(100, '김민지');
  fixture.borrower = await lib.addMember(1000, 'Jamie Park');
  const loan = await lib.rent(fixture.borrower, fixture.boardBook);
  if (loan.body.status !== 'APPROVED') throw new Error(`the board's loan: ${JSON.stringify(loan.body)}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking switches chromium keeps calling out to a network there is none of.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
});

/** A fresh browser tab (no one signed in) at phone or desktop width. */
async function newPage(width = 1100): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, baseURL: host.url });
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/**
 * An axe scan of the screen as it is: no serious or critical violation. `axe.run` in the page itself
 * (AxeBuilder's legacy mode), as axe-core runs anywhere: every rule on the whole document, frames of
 * the same origin included (the page has none). The default mode runs the rules frame by frame and
 * puts the results together in a blank tab it opens for each scan, which is for pages that embed
 * frames of other origins and took 1.4 times as long here (the 13 scans: 46 s against 32 s, on the loaded 2-core machine).
 */
async function accessible(page: Page, screen: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).setLegacyMode().analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `accessibility of ${screen}`).toEqual([]);
}

async function signInAs(page: Page, who: string): Promise<void> {
  await page.goto('/#/sign-in');
  await page.getByRole('button', { name: who }).click();
}

describe.skipIf(!haveBrowser)('the web app in a browser', () => {
  it('a member signs in, finds a book, rents it, sees it on my page with its due date, returns it late and sees the fee', async () => {
    const page = await newPage();
    await page.goto('/');
    await expect
      .poll(() => page.getByRole('list', { name: 'Books' }).getByRole('listitem').count())
      .toBeGreaterThan(0);
    // How long the page took to become usable: from navigation to the catalog shown (reported, not asserted).
    const interactiveMs = await page.evaluate(() => Math.round(performance.now()));
    process.stdout.write(`web: the catalog was interactive ${interactiveMs} ms after navigation\n`);
    await accessible(page, 'the catalog');

    await signInAs(page, 'Sign in as Alex Kim');
    await page.getByRole('heading', { name: 'My page' }).waitFor();
    await accessible(page, 'the sign-in page');

    await page.getByRole('link', { name: 'Catalog' }).click();
    await page.getByLabel('Title or author').fill('refactoring');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Refactoring' }).click();
    await page.getByRole('heading', { name: 'Refactoring' }).waitFor();
    await accessible(page, "a book's page");
    await page.getByRole('button', { name: 'Rent for 700 points' }).click();
    const approved = page.getByRole('status').filter({ hasText: 'Approved' });
    await approved.waitFor();
    expect(await approved.textContent()).toMatch(/the book is yours until/);
    await shot(page, 'member-1-rented');

    await page.getByRole('link', { name: 'My page', exact: true }).first().click();
    const loan = page
      .getByRole('list', { name: 'Loans' })
      .getByRole('listitem')
      .filter({ hasText: 'Refactoring' });
    await loan.waitFor();
    expect(await loan.textContent()).toMatch(/Due \d{1,2} \w{3} \d{4}/);
    await expect.poll(() => page.getByTestId('points').textContent()).toBe('2,300 points');
    await accessible(page, 'my page');
    await shot(page, 'member-2-mypage');

    // Ten days on (the dev clock): the loan is three days late.
    const moved = await fetch(`${host.url}/admin/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advanceBy: 'P10D' }),
    });
    expect(moved.status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await loan.getByText('Late fee if returned now: 500 KRW').waitFor();
    await loan.getByRole('button', { name: /Return/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Returned 3 days late: a late fee of 500 KRW' })
      .waitFor();
    await expect.poll(() => page.getByTestId('fees-owed').textContent(), { timeout: 15_000 }).toBe('500 KRW');
    await page.getByText('Nothing on loan.').waitFor();
    await shot(page, 'member-3-returned-late');

    // The fee paid from points, then points deposited, through the page's two amount forms.
    await page.getByLabel('Pay fees from points (KRW)').fill('500');
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Paid: you owe 0 KRW' }).waitFor();
    await expect.poll(() => page.getByTestId('fees-owed').textContent(), { timeout: 15_000 }).toBe('0 KRW');
    await page.getByLabel('Deposit points').fill('100');
    await page.getByRole('button', { name: 'Deposit', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Deposited: you have' }).waitFor();

    await page.getByRole('link', { name: 'Notices' }).click();
    await page.getByRole('heading', { name: 'Notices' }).waitFor();
    await accessible(page, 'the notices');
    await page.context().close();
  });

  it('a member who cannot afford a book sees why it was refused, at a phone’s width and by keyboard', async () => {
    const page = await newPage(390);
    await signInAs(page, 'Sign in as 김민지');
    await page.getByRole('heading', { name: 'My page' }).waitFor();
    await page.goto(`/#/books/${fixture.dearBook}`);
    await page.getByRole('heading', { name: '토지 1' }).waitFor();
    const rent = page.getByRole('button', { name: 'Rent for 5,000 points' });
    await rent.focus();
    await page.keyboard.press('Enter');
    const refused = page.getByRole('alert').filter({ hasText: 'Not rented' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('You do not have enough points for this book.');
    await accessible(page, 'a refused rental');
    await shot(page, 'poor-member-refused');
    await page.context().close();
  });

  it('a librarian adds a book, sees a member’s loan on the board and replays a dead letter', async () => {
    const page = await newPage();
    await signInAs(page, 'Sign in as the librarian');
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    await accessible(page, "the librarian's home");

    await page.getByRole('link', { name: 'Books', exact: true }).first().click();
    await page.getByLabel('Title', { exact: true }).fill('Domain-Driven Design');
    await page.getByLabel('Author', { exact: true }).fill('Eric Evans');
    await page.getByLabel('Price in points').fill('900');
    await page.getByLabel('Copies').fill('2');
    await page.getByRole('button', { name: 'Add book' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Added “Domain-Driven Design” with 2 copies.' })
      .waitFor();
    await page.getByRole('heading', { name: 'Domain-Driven Design' }).waitFor();
    await accessible(page, 'the books');
    await shot(page, 'librarian-1-book-added');

    await page.getByRole('link', { name: 'Board', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: 'Jamie Park' }).filter({ hasText: '아몬드' });
    await row.waitFor();
    // Ten days after it was lent (the first journey moved the clock): overdue, and so first on the board.
    expect(await row.textContent()).toMatch(/Overdue.*500 KRW/);
    expect(await page.getByRole('row').nth(1).textContent()).toBe(await row.textContent());
    await accessible(page, 'the rental board');
    await shot(page, 'librarian-2-board');

    await page.goto(`/#/library/books/${fixture.boardBook}/holds`);
    await page.getByText('Nobody is waiting for this book.').waitFor();
    await accessible(page, "a book's hold queue");
    await page.goto('/#/library/members');
    await page.getByRole('heading', { name: 'Jamie Park' }).waitFor();
    await accessible(page, 'the members');
    await page.goto('/#/library/views');
    await page.getByRole('button', { name: 'Rebuild the views' }).click();
    await page.getByRole('status').filter({ hasText: 'Rebuilt.' }).waitFor();
    await accessible(page, 'the views rebuild');

    // The webhook refused every notice so far: each was tried twice, then dead-lettered.
    await eventually(async () => {
      const letters = await lib.api<{ items: unknown[] }>('GET', '/api/notices/dead-letters', {
        token: librarian,
      });
      return letters.body.items.length > 0 ? true : undefined;
    });
    await page.goto('/#/library/dead-letters');
    await page.getByRole('button', { name: 'Send them again' }).waitFor();
    await accessible(page, 'the dead letters');
    await shot(page, 'librarian-3-dead-letters');
    webhook.failing = false;
    await page.getByRole('button', { name: 'Send them again' }).click();
    const replayed = page.getByRole('status').filter({ hasText: 'Sent again:' });
    await replayed.waitFor();
    expect(await replayed.textContent()).toMatch(/Sent again: [1-9]\d*\. Failed again: 0\./);
    await page.getByText('No dead letters.').waitFor();
    await shot(page, 'librarian-4-replayed');
    await page.context().close();
  });
});
