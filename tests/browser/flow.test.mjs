// End-to-end flows through the server-rendered UI, as a person would click:
// create an objective, submit it, approve it; validation errors; security
// headers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  APPROVER_EMAIL,
  DEMO_PASSWORD,
  MANAGER_EMAIL,
  ORG_PATH,
  UUID_RE,
  clickAndWait,
  login,
  logout,
  newPage,
  pageText,
  tablesText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

const OBJECTIVE_URL_RE = new RegExp(`^${ORG_PATH}/objectives/${UUID_RE.source}$`, 'i');
const APPROVAL_URL_RE = new RegExp(`^${ORG_PATH}/approvals/${UUID_RE.source}$`, 'i');

describe('browser: objectives and approvals', () => {
  const env = useCustosAndBrowser();

  test('a manager creates an objective, submits it, and an approver approves it', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context, page } = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const title = `Browser objective ${Date.now()}`;

        // Log in as the ISMS manager: we land on the organisation's home.
        await login(page, baseUrl, MANAGER_EMAIL, DEMO_PASSWORD);
        assert.equal(
          new URL(page.url()).pathname,
          `${ORG_PATH}/`,
          'after log-in the manager should land on the organisation home',
        );
        for (const name of ['Home', 'Objectives', 'Approvals', 'Audit log']) {
          assert.ok(
            (await page.getByRole('link', { name, exact: true }).count()) >= 1,
            `the header navigation should have a "${name}" link`,
          );
        }

        // Objectives list -> "New objective".
        await clickAndWait(page, page.getByRole('link', { name: 'Objectives', exact: true }).first());
        assert.equal(new URL(page.url()).pathname, `${ORG_PATH}/objectives`, 'the "Objectives" link should open the list');
        await clickAndWait(page, page.getByRole('link', { name: 'New objective', exact: true }));
        assert.equal(
          new URL(page.url()).pathname,
          `${ORG_PATH}/objectives/new`,
          'the "New objective" link should open the new-objective form',
        );

        // Fill and save the form.
        await page.getByLabel('Title', { exact: true }).fill(title);
        await page.getByLabel('Why', { exact: true }).fill('Customers depend on the service being up.');
        await page.getByLabel('Category', { exact: true }).selectOption('availability');
        await page.getByLabel('Target', { exact: true }).fill('Monthly availability of the customer portal');
        await page.getByLabel('Target value', { exact: true }).fill('99.9');
        await page.getByLabel('Unit', { exact: true }).fill('%');
        const saved = await clickAndWait(page, page.getByRole('button', { name: 'Save objective', exact: true }));
        assert.equal(saved.status(), 200, `saving a valid objective should end on a 200 page, got ${saved.status()}`);

        const objectivePath = new URL(page.url()).pathname;
        assert.match(objectivePath, OBJECTIVE_URL_RE, 'after saving, the browser should be on /orgs/acme/objectives/<uuid>');
        const h1 = await page.locator('h1').first().innerText();
        assert.ok(h1.includes(title), `the objective page's h1 should contain the title; h1 is "${h1}"`);
        assert.ok((await pageText(page)).includes('Draft'), 'a new objective should show the status "Draft"');

        // It is listed, and search finds it.
        await page.goto(`${baseUrl}${ORG_PATH}/objectives`);
        assert.equal(
          await page.getByRole('link', { name: title, exact: true }).count(),
          1,
          'the objectives list should have exactly one link with the new title',
        );
        await page.getByLabel('Search', { exact: true }).fill(title);
        await clickAndWait(page, page.getByRole('button', { name: 'Apply', exact: true }));
        assert.equal(
          await page.getByRole('link', { name: title, exact: true }).count(),
          1,
          `searching for "${title}" should list the new objective`,
        );
        await page.getByLabel('Search', { exact: true }).fill(`no such objective ${Date.now()}`);
        await clickAndWait(page, page.getByRole('button', { name: 'Apply', exact: true }));
        assert.equal(
          await page.getByRole('link', { name: title, exact: true }).count(),
          0,
          'searching for an unrelated text should not list the new objective',
        );

        // Submit it for approval from its page.
        await page.goto(`${baseUrl}${objectivePath}`);
        await page.getByLabel('Note to the approver', { exact: true }).fill('Please approve: agreed in the ISMS meeting.');
        await clickAndWait(page, page.getByRole('button', { name: 'Submit for approval', exact: true }));
        assert.ok(
          (await pageText(page)).includes('Waiting for approval'),
          `after submitting, the page should show "Waiting for approval" (on ${page.url()})`,
        );

        await logout(page);

        // The approver finds it under Approvals and approves it.
        await login(page, baseUrl, APPROVER_EMAIL, DEMO_PASSWORD);
        await clickAndWait(page, page.getByRole('link', { name: 'Approvals', exact: true }).first());
        assert.equal(new URL(page.url()).pathname, `${ORG_PATH}/approvals`, 'the "Approvals" link should open the approvals page');
        assert.ok(
          (await page.getByRole('heading', { name: 'Waiting for approval from you', exact: true }).count()) >= 1,
          'the approvals page should have a heading "Waiting for approval from you"',
        );
        const inbox = page.locator('section', {
          has: page.getByRole('heading', { name: 'Waiting for approval from you', exact: true }),
        });
        const requestLink = inbox.getByRole('link', { name: title, exact: true });
        assert.equal(await requestLink.count(), 1, 'the approver should see one pending request for the new objective');
        await clickAndWait(page, requestLink);
        assert.match(
          new URL(page.url()).pathname,
          APPROVAL_URL_RE,
          'the request link should open /orgs/acme/approvals/<uuid>',
        );
        await page.getByLabel('Comment', { exact: true }).fill('Approved in the browser test.');
        await page.getByRole('checkbox', { name: /I have read version/ }).check();
        await clickAndWait(page, page.getByRole('button', { name: /^Approve version \d+$/ }));
        assert.ok(
          (await pageText(page)).includes('Approved'),
          `after "Approve", the approval page should show "Approved" (on ${page.url()})`,
        );

        // The approver can read the objective, which is now approved.
        await page.goto(`${baseUrl}${ORG_PATH}/objectives`);
        await clickAndWait(page, page.getByRole('link', { name: title, exact: true }));
        assert.equal(new URL(page.url()).pathname, objectivePath, 'the list link should open the same objective page');
        assert.ok(
          (await pageText(page)).includes('Approved'),
          'after approval the objective page should show the status "Approved"',
        );

        await logout(page);
        assert.equal(new URL(page.url()).pathname, '/login', 'after log-out we should be on the login page');
      });
    } finally {
      await context.close();
    }
  });

  test('an invalid objective is refused with 422 and field errors, and is not stored', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context, page } = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const why = `Invalid attempt without a title ${Date.now()}`;
        await login(page, baseUrl, MANAGER_EMAIL, DEMO_PASSWORD);

        await page.goto(`${baseUrl}${ORG_PATH}/objectives`);
        const rowsBefore = await page.locator('table tbody tr').count();

        await page.goto(`${baseUrl}${ORG_PATH}/objectives/new`);
        // Leave Title empty; everything else required is valid.
        await page.getByLabel('Why', { exact: true }).fill(why);
        await page.getByLabel('Category', { exact: true }).selectOption('availability');
        await page.getByLabel('Target', { exact: true }).fill('Some target');
        // Let the server do the checking even if the form uses HTML `required`.
        await page.evaluate(() => {
          for (const form of document.querySelectorAll('form')) form.noValidate = true;
        });

        const response = await clickAndWait(page, page.getByRole('button', { name: 'Save objective', exact: true }));
        assert.equal(response.request().method(), 'POST', 'the shown page should be the answer to the POST');
        assert.equal(response.status(), 422, `an objective without a title should be refused with 422, got ${response.status()}`);

        const fieldErrors = page.locator('.field-error');
        assert.ok((await fieldErrors.count()) >= 1, 'the form should show at least one .field-error');
        assert.ok(await fieldErrors.first().isVisible(), 'the .field-error should be visible');
        assert.ok((await page.getByRole('alert').count()) >= 1, 'the form should have a role="alert" summary of the problem');
        assert.equal(
          await page.getByLabel('Why', { exact: true }).inputValue(),
          why,
          'the re-shown form should keep what was typed in "Why"',
        );

        // Nothing was stored.
        await page.goto(`${baseUrl}${ORG_PATH}/objectives`);
        assert.equal(
          await page.locator('table tbody tr').count(),
          rowsBefore,
          'the objectives list should have as many rows as before the refused attempt',
        );
        assert.ok(!(await tablesText(page)).includes(why), 'the objectives list should not show the refused attempt');
        await page.goto(`${baseUrl}${ORG_PATH}/objectives?q=${encodeURIComponent(why)}`);
        assert.ok(
          !(await tablesText(page)).includes(why),
          'a search for the refused attempt should not find it',
        );
      });
    } finally {
      await context.close();
    }
  });

  test('the login page sends a strict Content-Security-Policy and has no inline script', { timeout: 60_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context, page } = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const violations = [];
        page.on('console', (msg) => {
          if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
        });

        const response = await page.goto(`${baseUrl}/login`);
        assert.equal(response.status(), 200, `GET /login should answer 200, got ${response.status()}`);
        const csp = await response.headerValue('content-security-policy');
        assert.ok(csp, 'GET /login should send a Content-Security-Policy header');
        assert.ok(csp.includes('default-src'), `the CSP should set default-src; it is: ${csp}`);
        assert.ok(csp.includes("frame-ancestors 'none'"), `the CSP should say frame-ancestors 'none'; it is: ${csp}`);

        const inlineScripts = await page.evaluate(
          () => [...document.querySelectorAll('script:not([src])')].map((s) => s.outerHTML.slice(0, 120)),
        );
        assert.deepEqual(inlineScripts, [], 'the login page should have no inline <script> (without src)');

        const inlineHandlers = await page.evaluate(() =>
          [...document.querySelectorAll('*')].flatMap((el) =>
            [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `<${el.localName} ${a.name}>`),
          ),
        );
        assert.deepEqual(inlineHandlers, [], 'the login page should have no inline event-handler attributes');

        assert.deepEqual(violations, [], 'loading the login page should cause no CSP violation');
      });
    } finally {
      await context.close();
    }
  });
});
