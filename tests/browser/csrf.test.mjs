// Cross-site request forgery: a page on another origin must not be able to
// make a logged-in user's browser create an objective, nor a visitor's browser
// accept an invitation.
//
// Custos runs on http://127.0.0.1:<port>; the attacker's page is served from
// http://127.0.0.1:<port2>: a different origin on the same site, so SameSite=Lax still
// sends the session cookie and only the server's origin check stands in the way.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  ADMIN_EMAIL,
  DEMO_PASSWORD,
  MANAGER_EMAIL,
  ORG_PATH,
  clickAndWait,
  freePort,
  inviteFromMembersPage,
  login,
  newPage,
  tablesText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

function escapeHtml(text) {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/** The attacker's page: a form posting to Custos, sent by a button. */
function attackFormPage(action, fields) {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Win a prize</title></head>
  <body>
    <h1>Win a prize</h1>
    <form method="POST" action="${escapeHtml(action)}">
      ${inputs}
      <button type="submit">Claim the prize</button>
    </form>
  </body>
</html>
`;
}

/** Start a tiny HTTP server on 127.0.0.1 that serves whatever `pages` maps a path to. */
async function startEvilServer() {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = pages.get(url.pathname);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  });
  const port = await freePort();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    pages,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * Open the objectives list searched for `query`, check that we really are on
 * it (still logged in), and return the text of its tables.
 */
async function searchObjectives(page, baseUrl, query) {
  const response = await page.goto(`${baseUrl}${ORG_PATH}/objectives?q=${encodeURIComponent(query)}`);
  assert.equal(response.status(), 200, `the objectives list should answer 200, got ${response.status()}`);
  assert.equal(
    new URL(page.url()).pathname,
    `${ORG_PATH}/objectives`,
    'the manager should still be logged in and on the objectives list',
  );
  assert.ok(
    (await page.getByLabel('Search', { exact: true }).count()) >= 1,
    'the objectives list should have its "Search" field',
  );
  return tablesText(page);
}

describe('browser: cross-site request forgery', () => {
  const env = useCustosAndBrowser();
  let evil;

  before(async () => {
    evil = await startEvilServer();
  });

  after(async () => {
    await evil?.close();
  });

  test('a cross-origin form POST is refused with 403 and creates nothing', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context, page } = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const attackTitle = `CSRF attack ${Date.now()}`;
        await login(page, baseUrl, MANAGER_EMAIL, DEMO_PASSWORD);

        evil.pages.set(
          '/form',
          attackFormPage(`${baseUrl}${ORG_PATH}/objectives`, {
            title: attackTitle,
            rationale: 'x',
            category: 'risk',
            target: 'x',
          }),
        );
        await page.goto(`${evil.origin}/form`);
        assert.equal(new URL(page.url()).origin, evil.origin, 'the attacker page should be open');

        const response = await clickAndWait(page, page.getByRole('button', { name: 'Claim the prize', exact: true }));
        assert.equal(
          response.status(),
          403,
          `a cross-origin POST to ${ORG_PATH}/objectives should be refused with 403, ` +
            `but the page shown is ${response.status()} for ${response.request().method()} ${response.url()}`,
        );
        assert.equal(response.request().method(), 'POST', 'the 403 should be the answer to the POST itself');

        const listed = await searchObjectives(page, baseUrl, 'CSRF');
        assert.ok(!listed.includes(attackTitle), `the forged objective "${attackTitle}" must not exist`);
      });
    } finally {
      await context.close();
    }
  });

  test('a cross-origin form cannot accept an invitation or create its account', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const admin = await newPage(browser);
    const victim = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        await login(admin.page, baseUrl, ADMIN_EMAIL, DEMO_PASSWORD);
        const link = await inviteFromMembersPage(admin.page, baseUrl, `csrf-${Date.now()}@acme.example`, 'admin');

        evil.pages.set(
          '/invitation',
          attackFormPage(`${link}/account`, {
            name: 'Attacker',
            password: 'the attacker chose this',
            confirm_password: 'the attacker chose this',
          }),
        );
        await victim.page.goto(`${evil.origin}/invitation`);
        const response = await clickAndWait(victim.page, victim.page.getByRole('button', { name: 'Claim the prize', exact: true }));
        assert.equal(response.status(), 403, `a cross-origin POST to ${link}/account should be refused`);

        // The invitation is untouched: its link still offers to create the account.
        const opened = await victim.page.goto(link);
        assert.equal(opened.status(), 200);
        assert.equal(await victim.page.getByRole('button', { name: 'Create account and join', exact: true }).count(), 1);
      });
    } finally {
      await admin.context.close();
      await victim.context.close();
    }
  });

  test('a cross-origin no-cors fetch POST with credentials creates nothing', { timeout: 120_000 }, async (t) => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context, page } = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const attackTitle = `CSRF fetch attack ${Date.now()}`;
        await login(page, baseUrl, MANAGER_EMAIL, DEMO_PASSWORD);

        evil.pages.set('/blank', '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blank</title></head><body>hello</body></html>');
        await page.goto(`${evil.origin}/blank`);
        assert.equal(new URL(page.url()).origin, evil.origin, 'the attacker page should be open');

        const target = `${baseUrl}${ORG_PATH}/objectives`;
        const seen = page
          .waitForResponse((r) => r.url() === target && r.request().method() === 'POST', { timeout: 15_000 })
          .catch(() => null);
        const body = new URLSearchParams({ title: attackTitle, rationale: 'x', category: 'risk', target: 'x' }).toString();
        const outcome = await page.evaluate(
          async ({ target, body }) => {
            try {
              const res = await fetch(target, {
                method: 'POST',
                mode: 'no-cors',
                credentials: 'include',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body,
              });
              return `fetch finished (response type ${res.type})`;
            } catch (err) {
              return `fetch failed: ${err}`;
            }
          },
          { target, body },
        );
        const response = await seen;
        t.diagnostic(`${outcome}; custos answered ${response ? response.status() : 'nothing the test could see'}`);
        if (response) {
          assert.equal(response.status(), 403, 'the forged fetch must be refused');
        }

        const listed = await searchObjectives(page, baseUrl, 'CSRF');
        assert.ok(!listed.includes(attackTitle), `the forged objective "${attackTitle}" must not exist`);
      });
    } finally {
      await context.close();
    }
  });
});
