// The sessions page: a user logged in on two browsers sees both, marks the one they are
// using, and ends the other; the other browser is logged out at once.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  CONTRIBUTOR_EMAIL,
  clickAndWait,
  login,
  newPage,
  pageText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

const PHONE_USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 ' +
  '(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

describe('browser: sessions', () => {
  const env = useCustosAndBrowser();

  test('the sessions page lists two sessions and ends the other one', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const laptop = await newPage(browser);
    const phoneContext = await browser.newContext({ userAgent: PHONE_USER_AGENT });
    phoneContext.setDefaultTimeout(20_000);
    const phone = await phoneContext.newPage();
    try {
      await withCustosOutputOnFailure(custos, async () => {
        await login(phone, baseUrl, CONTRIBUTOR_EMAIL);
        await login(laptop.page, baseUrl, CONTRIBUTOR_EMAIL);
        const page = laptop.page;

        // From the user menu to the sessions page.
        await page.locator('details.user-menu > summary').click();
        await clickAndWait(page, page.getByRole('link', { name: 'Sessions', exact: true }));
        assert.equal(new URL(page.url()).pathname, '/account/sessions');
        const rows = page.locator('#sessions tbody tr');
        assert.equal(await rows.count(), 2, 'both sessions are listed');
        const mine = rows.filter({ hasText: 'This session' });
        assert.equal(await mine.count(), 1, 'one is marked as this session');
        assert.match(await mine.innerText(), /Headless Chrome on Linux/, 'this browser is named');
        assert.equal(await mine.getByRole('button').count(), 0, 'this session is not ended from here');
        const other = rows.filter({ hasText: 'Safari on iOS' });
        assert.equal(await other.count(), 1, 'the phone is named by its browser and system');
        assert.match(await other.innerText(), /127\.0\.0\.1/, 'with the address it logged in from');

        // "End session" asks in the browser's own dialog, then ends the phone's session.
        let asked = '';
        page.once('dialog', (dialog) => {
          asked = dialog.message();
          dialog.accept();
        });
        const ended = await clickAndWait(page, other.getByRole('button', { name: /^End session/ }));
        assert.equal(ended.status(), 200);
        assert.match(asked, /End this session\?/, 'the browser asked first');
        assert.equal(new URL(page.url()).pathname, '/account/sessions', 'back on the sessions page');
        assert.ok((await pageText(page)).includes('Session ended'), 'the page says so');
        assert.equal(await rows.count(), 1, 'only this session is left');
        assert.ok((await pageText(page)).includes('You are not logged in anywhere else.'));

        // The phone is logged out at its next request.
        await phone.goto(`${baseUrl}/account`);
        assert.equal(new URL(phone.url()).pathname, '/login', 'the phone must log in again');

        // This browser goes on.
        await page.goto(`${baseUrl}/account`);
        assert.equal(new URL(page.url()).pathname, '/account');
      });
    } finally {
      await laptop.context.close();
      await phoneContext.close();
    }
  });
});
