// The shared page components, checked in the browser: the approval page shows what is
// signed and what changed, destructive actions ask first without JavaScript, nothing
// scrolls sideways at 390 px, errors keep the navigation, and Custos works under a sub-path.

import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  ADMIN_EMAIL,
  APPROVER_EMAIL,
  MANAGER_EMAIL,
  ORG_NAME,
  ORG_PATH,
  STAFF_EMAIL,
  acceptAsNewPerson,
  clickAndWait,
  inviteFromMembersPage,
  login,
  logout,
  pageText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

async function context(browser, options = {}) {
  const ctx = await browser.newContext(options);
  ctx.setDefaultTimeout(20_000);
  ctx.setDefaultNavigationTimeout(30_000);
  return { context: ctx, page: await ctx.newPage() };
}

/** Fills and saves the new-objective form; returns the objective's path. Works without JS. */
async function createObjective(page, baseUrl, title) {
  await page.goto(`${baseUrl}${ORG_PATH}/objectives/new`);
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Why', { exact: true }).fill('Customers depend on it.');
  await page.getByLabel('Category', { exact: true }).selectOption('availability');
  await page.getByLabel('Target', { exact: true }).fill('Monthly availability');
  const saved = await clickAndWait(page, page.getByRole('button', { name: 'Save objective', exact: true }));
  assert.equal(saved.status(), 200, `saving "${title}" should succeed`);
  return new URL(page.url()).pathname;
}

async function submitForApproval(page, baseUrl, objectivePath) {
  await page.goto(`${baseUrl}${objectivePath}`);
  await clickAndWait(page, page.getByRole('button', { name: 'Submit for approval', exact: true }));
  assert.ok((await pageText(page)).includes('Waiting for approval'), 'the objective should wait for approval');
}

/** Opens the approver's pending request for `title`. */
async function openRequest(page, baseUrl, title) {
  await page.goto(`${baseUrl}${ORG_PATH}/approvals`);
  const inbox = page.locator('section', {
    has: page.getByRole('heading', { name: 'Waiting for approval from you', exact: true }),
  });
  await clickAndWait(page, inbox.getByRole('link', { name: title, exact: true }));
}

async function noHorizontalScroll(page) {
  return page.evaluate(() => {
    const root = document.scrollingElement;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
  });
}

describe('browser: shared page components', () => {
  const env = useCustosAndBrowser();

  test('the approval page shows the submitted content, and after a re-submission what changed', { timeout: 180_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context: ctx, page } = await context(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const first = `Signed objective ${Date.now()}`;
        const second = `${first}, reworded`;
        await login(page, baseUrl, MANAGER_EMAIL);
        const objectivePath = await createObjective(page, baseUrl, first);
        await submitForApproval(page, baseUrl, objectivePath);
        await logout(page);

        await login(page, baseUrl, APPROVER_EMAIL);
        const nav = page.getByRole('navigation', { name: 'Main' });
        assert.match(await nav.innerText(), /Approvals\s*\d+/, 'the navigation should count what waits for the approver');
        await openRequest(page, baseUrl, first);
        const text = await pageText(page);
        assert.ok(text.includes('Decider role'), 'an undecided request names the deciding role');
        assert.ok(!text.includes('Decided by'), 'an undecided request has no "Decided by"');
        const breadcrumb = await page.getByRole('navigation', { name: 'Breadcrumbs' }).innerText();
        assert.match(breadcrumb, new RegExp(`OBJ-\\d{4} ${first}`), `the breadcrumb should name the record: ${breadcrumb}`);
        const content = page.locator('section.signed-content');
        assert.ok((await content.innerText()).includes(first), 'the signed content shows the title');
        assert.ok((await content.innerText()).includes('Customers depend on it.'), 'the signed content shows "Why"');
        assert.ok(text.includes('this is the first sign-off'), 'a first request has no earlier approved version');
        assert.equal(
          await page.locator('#confirmed').getAttribute('required'),
          '',
          'the decision needs a ticked confirmation, enforced by the browser without JavaScript',
        );
        await page.getByRole('checkbox', { name: /I have read version/ }).check();
        await clickAndWait(page, page.getByRole('button', { name: /^Approve version \d+$/ }));
        assert.ok((await pageText(page)).includes('Approved.'), 'the approval should be recorded');
        await logout(page);

        await login(page, baseUrl, MANAGER_EMAIL);
        await page.goto(`${baseUrl}${objectivePath}/edit`);
        await page.getByLabel('Title', { exact: true }).fill(second);
        await clickAndWait(page, page.getByRole('button', { name: 'Save objective', exact: true }));
        await submitForApproval(page, baseUrl, objectivePath);
        await logout(page);

        await login(page, baseUrl, APPROVER_EMAIL);
        await openRequest(page, baseUrl, second);
        assert.ok((await page.locator('section.signed-content').innerText()).includes(second), 'the new version is shown');
        const changes = page.locator('section.changes table');
        assert.equal(await changes.count(), 1, 'the changes since the last approved version are a table');
        const titleRow = changes.locator('tr', { has: page.locator('th', { hasText: 'Title' }) });
        assert.equal(await titleRow.locator('td.before').innerText(), first, 'before: the approved title');
        assert.equal(await titleRow.locator('td.after').innerText(), second, 'after: the submitted title');
        assert.equal(await changes.locator('tbody tr').count(), 1, 'only the title changed');
      });
    } finally {
      await ctx.close();
    }
  });

  test('without JavaScript, "Delete objective" asks first on a page of its own', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context: ctx, page } = await context(browser, { javaScriptEnabled: false });
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const title = `Deleted without JS ${Date.now()}`;
        await login(page, baseUrl, MANAGER_EMAIL);
        const objectivePath = await createObjective(page, baseUrl, title);
        await page.goto(`${baseUrl}${objectivePath}`);
        const asked = await clickAndWait(page, page.getByRole('button', { name: 'Delete objective', exact: true }));
        assert.equal(asked.status(), 200, 'the first press answers with a confirmation page');
        const question = await page.locator('h1').innerText();
        assert.match(question, new RegExp(`^Delete OBJ-\\d{4} ${title}\\?$`), `the page asks: ${question}`);

        const still = await page.request.get(`${baseUrl}${objectivePath}`);
        assert.equal(still.status(), 200, 'nothing is deleted before the confirmation');

        await clickAndWait(page, page.getByRole('button', { name: 'Delete objective', exact: true }));
        assert.equal(new URL(page.url()).pathname, `${ORG_PATH}/objectives`, 'confirming leads to the register');
        assert.ok((await pageText(page)).includes('Objective deleted.'), 'the register says it is deleted');
        const gone = await page.goto(`${baseUrl}${objectivePath}`);
        assert.equal(gone.status(), 404, 'the objective is gone');
        assert.ok(
          (await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Objectives' }).count()) === 1,
          'the 404 page keeps the main navigation',
        );
      });
    } finally {
      await ctx.close();
    }
  });

  test('without JavaScript, "Remove member" asks first on a page of its own', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context: ctx, page } = await context(browser, { javaScriptEnabled: false });
    try {
      await withCustosOutputOnFailure(custos, async () => {
        // A member of its own, so that the demo's people stay for the other tests.
        const stamp = Date.now();
        const name = `Leaver ${stamp}`;
        const email = `leaver-${stamp}@acme.example`;
        const membersPath = `${ORG_PATH}/members`;
        await login(page, baseUrl, ADMIN_EMAIL);
        const link = await inviteFromMembersPage(page, baseUrl, email, 'staff');
        const { context: leaverCtx, page: leaver } = await context(browser);
        try {
          const joined = await acceptAsNewPerson(leaver, link, name, 'a leaver chose this passphrase');
          assert.equal(joined.status(), 200, 'the invitee should join');
        } finally {
          await leaverCtx.close();
        }
        await page.goto(`${baseUrl}${membersPath}`);

        const row = page.locator('tbody tr', { hasText: email });
        const asked = await clickAndWait(page, row.getByRole('button', { name: 'Remove', exact: true }));
        assert.equal(asked.status(), 200, 'the first press answers with a confirmation page');
        assert.equal(await page.locator('h1').innerText(), `Remove ${name} from ${ORG_NAME}?`, 'the page asks about the member');
        const breadcrumb = await page.getByRole('navigation', { name: 'Breadcrumbs' }).innerText();
        assert.match(breadcrumb, /^Members › Remove member$/, `the breadcrumb leads back: ${breadcrumb}`);

        const still = await page.request.get(`${baseUrl}${membersPath}`);
        assert.ok((await still.text()).includes(email), 'nobody is removed before the confirmation');

        await clickAndWait(page, page.getByRole('button', { name: 'Remove member', exact: true }));
        assert.equal(new URL(page.url()).pathname, membersPath, 'confirming leads back to the members');
        assert.ok((await pageText(page)).includes('Member removed'), 'the page says the member is removed');
        assert.equal(await page.locator('tbody tr', { hasText: email }).count(), 0, 'the member is gone from the list');
      });
    } finally {
      await ctx.close();
    }
  });

  test('a refused page keeps the header and navigation and says why in words', { timeout: 60_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context: ctx, page } = await context(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        await login(page, baseUrl, STAFF_EMAIL);
        const refused = await page.goto(`${baseUrl}${ORG_PATH}/audit-log`);
        assert.equal(refused.status(), 403);
        assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 1, 'the 403 page has the navigation');
        assert.equal(await page.locator('details.user-menu').count(), 1, 'the 403 page has the user menu');
        assert.ok(
          (await pageText(page)).includes('Your role does not allow you to read the audit trail of every change.'),
          'the 403 page reads as a sentence',
        );
      });
    } finally {
      await ctx.close();
    }
  });

  test('at 390 px no page scrolls sideways, and at 1280 px references and dates do not wrap', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context: ctx, page } = await context(browser, { viewport: { width: 390, height: 844 } });
    try {
      await withCustosOutputOnFailure(custos, async () => {
        await login(page, baseUrl, MANAGER_EMAIL);
        const paths = [
          '/',
          '/objectives',
          '/objectives/new',
          '/approvals',
          '/audit-log',
          '/assets',
          '/assets/new',
          '/assets/impact-scale',
          '/assets/classification',
          '/assets/classification/draft',
          '/risks',
          '/risks/new',
          '/risks/losses',
          '/risk/method',
          '/risk/method/draft',
          '/threats',
        ];
        for (const p of paths) {
          await page.goto(`${baseUrl}${ORG_PATH}${p}`);
          const { scrollWidth, clientWidth } = await noHorizontalScroll(page);
          assert.ok(scrollWidth <= clientWidth, `${p} at 390 px scrolls sideways: ${scrollWidth} > ${clientWidth}`);
        }
        await page.goto(`${baseUrl}${ORG_PATH}/objectives`);
        await page.screenshot({ path: path.join(os.tmpdir(), 'custos-objectives-390.png'), fullPage: true });
        const { scrollWidth, clientWidth } = await noHorizontalScroll(page);
        assert.ok(scrollWidth <= clientWidth, `the objectives list scrolls sideways: ${scrollWidth} > ${clientWidth}`);

        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(`${baseUrl}${ORG_PATH}/objectives`);
        const wrapped = await page.evaluate(() =>
          [...document.querySelectorAll('td.ref, td.date')]
            .filter((cell) => cell.getClientRects().length > 0 && cell.textContent.trim() !== '')
            .filter((cell) => {
              const range = document.createRange();
              range.selectNodeContents(cell);
              const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.bottom)));
              return lines.size > 1;
            })
            .map((cell) => cell.textContent.trim()),
        );
        assert.deepEqual(wrapped, [], 'references and dates should each sit on one line');
      });
    } finally {
      await ctx.close();
    }
  });
});

describe('browser: under a sub-path', () => {
  const env = useCustosAndBrowser({ basePath: '/isms' });

  test('log-in, home, a register and log-out all work under /isms', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context: ctx, page } = await context(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const start = await page.goto(`${baseUrl}/`);
        assert.equal(new URL(page.url()).pathname, '/isms/login', `/isms/ sends a visitor to log in (got ${start.status()})`);

        await login(page, baseUrl, MANAGER_EMAIL);
        assert.equal(new URL(page.url()).pathname, `/isms${ORG_PATH}/`, 'log-in lands on the organisation home');
        const again = await page.goto(`${baseUrl}/`);
        assert.equal(again.status(), 200, '/isms/ answers for a logged-in user');
        assert.equal(new URL(page.url()).pathname, `/isms${ORG_PATH}/`);

        await clickAndWait(page, page.getByRole('link', { name: 'Objectives', exact: true }).first());
        assert.equal(new URL(page.url()).pathname, `/isms${ORG_PATH}/objectives`);
        assert.ok((await page.locator('table tbody tr').count()) >= 1, 'the demo objectives are listed');
        const css = await page.request.get(`${baseUrl}/static/app.css?v=2`);
        assert.equal(css.status(), 200, 'the stylesheet is served under the sub-path');
        const icon = await page.request.get(`${baseUrl.replace('/isms', '')}/favicon.ico`);
        assert.equal(icon.status(), 200, '/favicon.ico answers');

        await logout(page);
        assert.equal(new URL(page.url()).pathname, '/isms/login');
        assert.ok((await pageText(page)).includes('You are logged out.'), 'log-out says so');
      });
    } finally {
      await ctx.close();
    }
  });
});
