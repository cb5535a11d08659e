// The classification scheme in the browser: a manager drafts version 2 from the approved
// version 1 of the demo and submits it; the approver reads every level and what changed,
// and approves; the scheme page then shows version 2 in force.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  APPROVER_EMAIL,
  MANAGER_EMAIL,
  ORG_PATH,
  clickAndWait,
  login,
  logout,
  pageText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

describe('browser: classification scheme', () => {
  const env = useCustosAndBrowser();

  test('a new version is drafted, signed off level by level and put in force', { timeout: 180_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(20_000);
    const page = await ctx.newPage();
    const disposal = `Shredded on site by two people, ${Date.now()}.`;
    try {
      await withCustosOutputOnFailure(custos, async () => {
        await login(page, baseUrl, MANAGER_EMAIL);
        await page.goto(`${baseUrl}${ORG_PATH}/assets/classification`);
        assert.ok((await pageText(page)).includes('Version 1, approved by senior management'), 'the demo approved version 1');
        await clickAndWait(page, page.getByRole('link', { name: 'Start a new draft', exact: true }));
        assert.equal(await page.locator('input[name="levels[3].name"]').inputValue(), 'Restricted', 'the draft starts from version 1');
        await page.locator('textarea[name="levels[3].disposal"]').fill(disposal);
        await clickAndWait(page, page.getByRole('button', { name: 'Save draft', exact: true }));
        assert.ok((await pageText(page)).includes('Draft saved.'), 'the draft is saved');
        await page.getByLabel('Note to the approver').fill('Stricter disposal of restricted papers.');
        await clickAndWait(page, page.getByRole('button', { name: 'Submit version 2 for approval', exact: true }));
        assert.ok((await pageText(page)).includes('waiting for a decision'), 'version 2 waits for the approver');
        await logout(page);

        await login(page, baseUrl, APPROVER_EMAIL);
        await page.goto(`${baseUrl}${ORG_PATH}/approvals`);
        await clickAndWait(page, page.getByRole('link', { name: 'Classification scheme, version 2', exact: true }).first());
        const signed = await page.locator('section.signed-content').innerText();
        for (const level of ['Level 1', 'Public (rank 1', 'Level 4', 'Restricted (rank 4', disposal]) {
          assert.ok(signed.includes(level), `the signed content shows ${level}`);
        }
        const changes = await page.locator('section.changes').innerText();
        assert.ok(changes.includes('Compared with version 1') && changes.includes(disposal), 'the change to the disposal rule is shown');
        await page.getByRole('checkbox', { name: /I have read version/ }).check();
        await clickAndWait(page, page.getByRole('button', { name: 'Approve version 2', exact: true }));
        await page.goto(`${baseUrl}${ORG_PATH}/assets/classification`);
        const scheme = await pageText(page);
        assert.ok(scheme.includes('Version 2, approved by senior management'), 'version 2 is in force');
        assert.ok(scheme.includes(disposal), 'its rules are shown');
      });
    } finally {
      await ctx.close();
    }
  });
});
