// Invitations, as the people involved see them: an administrator invites from the members
// page and is shown a link; someone new opens it, chooses a name and a password and lands in
// the organisation; someone with an account logs in first and accepts from it; and a used
// link says so.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  ADMIN_EMAIL,
  ORG_NAME,
  ORG_PATH,
  acceptAsNewPerson,
  clickAndWait,
  inviteFromMembersPage,
  login,
  newPage,
  pageText,
  tablesText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

/** A member of Globex only, in the demo: an existing account that is not in Acme. */
const GLOBEX_ADMIN_EMAIL = 'admin@globex.example';

describe('browser: invitations', () => {
  const env = useCustosAndBrowser();

  test('someone new accepts an invitation with an account they create there', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const admin = await newPage(browser);
    const invitee = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const stamp = Date.now();
        const email = `nina-${stamp}@acme.example`;
        const name = `Nina New ${stamp}`;
        await login(admin.page, baseUrl, ADMIN_EMAIL);
        const link = await inviteFromMembersPage(admin.page, baseUrl, email, 'auditor');
        assert.match(link, new RegExp(`^${baseUrl}/invitations/[A-Za-z0-9_-]{43}$`), `the page shows the link: ${link}`);
        assert.ok((await pageText(admin.page)).includes(`${email} is invited as Auditor`), 'the page says who is invited');
        const pending = await tablesText(admin.page);
        assert.ok(pending.includes(email) && pending.includes('Ada Admin'), `the invitation is listed with who sent it:\n${pending}`);

        // The administrator's own session cannot accept it for someone else.
        const wrong = await admin.page.goto(link);
        assert.equal(wrong.status(), 403);
        assert.ok((await pageText(admin.page)).includes(`This invitation is for ${email}`), 'says whom it is for');

        // The invitee, in a browser of their own, sees who invites them to what.
        const opened = await invitee.page.goto(link);
        assert.equal(opened.status(), 200);
        assert.equal(await invitee.page.locator('h1').innerText(), `Invitation to ${ORG_NAME}`);
        const text = await pageText(invitee.page);
        assert.ok(text.includes(`Ada Admin invites ${email} to join ${ORG_NAME} as Auditor`), text);

        // A password that is too short is refused, and what was typed stays.
        await invitee.page.getByLabel('Your name', { exact: true }).fill(name);
        await invitee.page.getByLabel('Password', { exact: true }).fill('short');
        await invitee.page.getByLabel('Password again', { exact: true }).fill('short');
        await invitee.page.evaluate(() => {
          for (const form of document.querySelectorAll('form')) form.noValidate = true;
        });
        const refused = await clickAndWait(invitee.page, invitee.page.getByRole('button', { name: 'Create account and join', exact: true }));
        assert.equal(refused.status(), 422);
        assert.ok((await pageText(invitee.page)).includes('Use at least 12 characters.'));
        assert.equal(await invitee.page.getByLabel('Your name', { exact: true }).inputValue(), name);

        const joined = await acceptAsNewPerson(invitee.page, link, name, 'nina chooses her own passphrase');
        assert.equal(joined.status(), 200);
        assert.equal(new URL(invitee.page.url()).pathname, `${ORG_PATH}/`, 'the new member lands in the organisation');
        assert.ok((await pageText(invitee.page)).includes('Welcome: you are now a member.'));
        await invitee.page.locator('details.user-menu > summary').click();
        assert.ok((await invitee.page.locator('details.user-menu').innerText()).includes('Auditor in Acme Ltd'));

        // The link works once.
        const again = await invitee.page.goto(link);
        assert.equal(again.status(), 410);
        assert.ok((await pageText(invitee.page)).includes('This invitation has already been used.'));

        // The administrator sees the new member, and no invitation waiting any more.
        await admin.page.goto(`${baseUrl}${ORG_PATH}/members`);
        const members = await tablesText(admin.page);
        assert.ok(members.includes(name) && members.includes(email), `the member is listed:\n${members}`);
        const stillInvited = admin.page.locator('tbody tr', { hasText: email }).getByRole('button', { name: 'Revoke' });
        assert.equal(await stillInvited.count(), 0, 'the invitation is no longer waiting');
      });
    } finally {
      await admin.context.close();
      await invitee.context.close();
    }
  });

  test('someone with an account logs in and accepts from their own account', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const admin = await newPage(browser);
    const invitee = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        await login(admin.page, baseUrl, ADMIN_EMAIL);
        const link = await inviteFromMembersPage(admin.page, baseUrl, GLOBEX_ADMIN_EMAIL, 'contributor');

        await invitee.page.goto(link);
        assert.ok((await pageText(invitee.page)).includes('There is already an account for this address.'));
        await clickAndWait(invitee.page, invitee.page.getByRole('link', { name: 'Log in to accept', exact: true }));
        assert.equal(new URL(invitee.page.url()).pathname, '/login');
        await invitee.page.getByLabel('E-mail', { exact: true }).fill(GLOBEX_ADMIN_EMAIL);
        await invitee.page.getByLabel('Password', { exact: true }).fill('demo-password');
        await clickAndWait(invitee.page, invitee.page.getByRole('button', { name: 'Log in', exact: true }));
        assert.equal(new URL(invitee.page.url()).href, link, 'log-in leads back to the invitation');

        await clickAndWait(invitee.page, invitee.page.getByRole('button', { name: `Join ${ORG_NAME}`, exact: true }));
        assert.equal(new URL(invitee.page.url()).pathname, `${ORG_PATH}/`);
        assert.ok((await pageText(invitee.page)).includes('Welcome: you are now a member.'));
        // Still in Globex too: the switcher offers it.
        await invitee.page.locator('details.org-switcher > summary').click();
        assert.ok((await invitee.page.locator('details.org-switcher').innerText()).includes('Globex Corporation'));
      });
    } finally {
      await admin.context.close();
      await invitee.context.close();
    }
  });

  test('a revoked invitation says so to whoever opens it', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const admin = await newPage(browser);
    const invitee = await newPage(browser);
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const email = `otto-${Date.now()}@acme.example`;
        await login(admin.page, baseUrl, ADMIN_EMAIL);
        const link = await inviteFromMembersPage(admin.page, baseUrl, email, 'staff');
        await admin.page.goto(`${baseUrl}${ORG_PATH}/members`);
        const row = admin.page.locator('tbody tr', { hasText: email });
        admin.page.once('dialog', (dialog) => dialog.accept());
        await clickAndWait(admin.page, row.getByRole('button', { name: 'Revoke', exact: true }));
        assert.ok((await pageText(admin.page)).includes('Invitation withdrawn'), 'the members page says so');
        assert.equal(await admin.page.locator('tbody tr', { hasText: email }).count(), 0);

        const opened = await invitee.page.goto(link);
        assert.equal(opened.status(), 410);
        assert.ok((await pageText(invitee.page)).includes('This invitation was withdrawn.'));
        assert.equal(await invitee.page.getByRole('button', { name: 'Create account and join' }).count(), 0);
      });
    } finally {
      await admin.context.close();
      await invitee.context.close();
    }
  });
});
