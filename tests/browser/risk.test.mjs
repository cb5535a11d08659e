// The risk method and register in the browser: the manager drafts a 5 × 5 method from the
// template and submits it; the approver approves it; the manager records an asset and a risk
// on it, sees the risk in its heat-map cells and asks for its residual risk to be accepted; a
// contributor cannot open the request; the approver accepts it, and the risk shows accepted.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  APPROVER_EMAIL,
  CONTRIBUTOR_EMAIL,
  MANAGER_EMAIL,
  ORG_PATH,
  clickAndWait,
  login,
  logout,
  pageText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

describe('browser: risk management', () => {
  const env = useCustosAndBrowser();

  test('a 5 × 5 method is approved, a risk lands in its cell and is accepted by the approver', { timeout: 240_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(20_000);
    const page = await ctx.newPage();
    const title = `Payroll data sent to the wrong bank ${Date.now()}`;
    try {
      await withCustosOutputOnFailure(custos, async () => {
        // The manager drafts version 2 from the 5 × 5 template and submits it.
        await login(page, baseUrl, MANAGER_EMAIL);
        await page.goto(`${baseUrl}${ORG_PATH}/risk/method/draft?template=5x5`);
        await page.getByLabel('Title', { exact: true }).fill('Acme risk method, second edition');
        await clickAndWait(page, page.getByRole('button', { name: 'Save draft', exact: true }));
        const saved = await pageText(page);
        assert.ok(saved.includes('Draft saved'), `the draft is saved: ${saved.slice(0, 1500)}`);
        await page.getByLabel('Note to the approver').fill('Same scales; a clearer title.');
        await clickAndWait(page, page.getByRole('button', { name: 'Submit version 2 for approval', exact: true }));
        await logout(page);

        // The approver reads the matrix being signed and approves.
        await login(page, baseUrl, APPROVER_EMAIL);
        await page.goto(`${baseUrl}${ORG_PATH}/approvals`);
        await clickAndWait(page, page.getByRole('link', { name: 'Risk method, version 2', exact: true }).first());
        const signed = await page.locator('section.signed-content').innerText();
        assert.ok(signed.includes('Almost certain: Medium | High | High | Critical | Critical'), 'the approver reads the matrix');
        await page.getByRole('checkbox', { name: /I have read version/ }).check();
        await clickAndWait(page, page.getByRole('button', { name: 'Approve version 2', exact: true }));
        await logout(page);

        // The manager records an asset and a risk on it, rated on the new method.
        await login(page, baseUrl, MANAGER_EMAIL);
        await page.goto(`${baseUrl}${ORG_PATH}/risk/method`);
        assert.ok((await pageText(page)).includes('Version 2, approved by senior management'), 'version 2 is in force');
        await page.goto(`${baseUrl}${ORG_PATH}/assets/new`);
        await page.getByLabel('Name', { exact: true }).fill('Payroll files');
        await page.getByLabel('Type', { exact: true }).selectOption('information');
        await clickAndWait(page, page.getByRole('button', { name: /^Save/ }));
        const assetRef = (await page.locator('dd.ref').first().innerText()).trim();
        assert.match(assetRef, /^AST-\d{4}$/);
        await page.goto(`${baseUrl}${ORG_PATH}/risks/new`);
        await page.getByLabel('Title', { exact: true }).fill(title);
        await page.getByLabel('Affected assets', { exact: true }).fill(assetRef);
        await page.getByRole('checkbox', { name: 'Confidentiality', exact: true }).check();
        await page.locator('#inherent_likelihood').selectOption('4');
        await page.locator('#inherent_impact').selectOption('5');
        await page.locator('#residual_likelihood').selectOption('3');
        await page.locator('#residual_impact').selectOption('4');
        await page.locator('#treatment').selectOption('modify');
        await page.locator('#status').selectOption('assessed');
        await clickAndWait(page, page.getByRole('button', { name: 'Save risk', exact: true }));
        const risk = await pageText(page);
        assert.ok(risk.includes('Critical') && risk.includes('High') && risk.includes(assetRef), 'the risk shows its levels and asset');
        const riskUrl = page.url();

        // It sits in its cells of both heat maps; the cell lists it.
        await page.goto(`${baseUrl}${ORG_PATH}/risks`);
        const inherent = page.locator('a[aria-label="1 risk at likelihood Likely and impact Severe (Critical)"]');
        assert.equal(await inherent.count(), 1, 'the inherent map counts it at Likely × Severe');
        assert.equal(await page.locator('a[aria-label="1 risk at likelihood Possible and impact Serious (High)"]').count(), 1, 'the residual map counts it at Possible × Serious');
        await clickAndWait(page, inherent);
        assert.ok((await pageText(page)).includes(title), 'the cell lists the risk');

        // The manager asks for its residual risk to be accepted.
        await page.goto(riskUrl);
        await page.getByText('Ask for this risk to be accepted at its current level').click();
        await page.getByLabel('Why the organisation bears it').fill('Two people check every payroll run.');
        const nextYear = new Date(Date.now() + 300 * 24 * 3600 * 1000).toISOString().slice(0, 10);
        await page.getByLabel('Accepted until').fill(nextYear);
        await clickAndWait(page, page.getByRole('button', { name: 'Request acceptance', exact: true }));
        assert.ok((await pageText(page)).includes('Acceptance requested'), 'the request is sent');
        await logout(page);

        // The approver finds it; a contributor may not even open it.
        await login(page, baseUrl, APPROVER_EMAIL);
        await page.goto(`${baseUrl}${ORG_PATH}/approvals`);
        const request = page.getByRole('link', { name: new RegExp(`^Accept RSK-\\d{4} ${title}$`) }).first();
        await clickAndWait(page, request);
        const requestUrl = page.url();
        assert.ok((await page.locator('section.signed-content').innerText()).includes('Two people check every payroll run.'));
        await logout(page);
        await login(page, baseUrl, CONTRIBUTOR_EMAIL);
        const refused = await page.goto(requestUrl);
        assert.equal(refused.status(), 403, 'a contributor cannot open an acceptance request');
        await logout(page);
        await login(page, baseUrl, APPROVER_EMAIL);
        await page.goto(requestUrl);
        await page.getByRole('checkbox', { name: /I have read version/ }).check();
        await clickAndWait(page, page.getByRole('button', { name: /^Approve version \d+$/ }));
        await page.goto(riskUrl);
        const accepted = await pageText(page);
        assert.ok(accepted.includes('Status: Accepted'), 'the risk is accepted');
        assert.ok(accepted.includes('Approved at High'), 'the acceptance shows on the risk');
      });
    } finally {
      await ctx.close();
    }
  });
});
