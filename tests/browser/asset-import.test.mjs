// Importing assets from a spreadsheet through the pages, as a person would: a file with one
// bad row is refused with its row and column and writes nothing; the corrected file is
// previewed, confirmed, and its assets appear in the inventory.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
  useCustosAndBrowser,
  MANAGER_EMAIL,
  ORG_PATH,
  clickAndWait,
  login,
  newPage,
  pageText,
  tablesText,
  withCustosOutputOnFailure,
} from './helpers.mjs';

/** An inventory of three assets, the server supporting the application, which supports the data. */
function inventory(stamp, serverType) {
  return [
    'external_id,name,type,owner,classification,confidentiality,supports',
    `BT-${stamp}-1,Server ${stamp},${serverType},${MANAGER_EMAIL},Internal,2,BT-${stamp}-2`,
    `BT-${stamp}-2,CRM ${stamp},software,${MANAGER_EMAIL},Confidential,3,BT-${stamp}-3`,
    `BT-${stamp}-3,Customer data ${stamp},information,,Restricted,4,`,
    '',
  ].join('\n');
}

describe('browser: asset import', () => {
  const env = useCustosAndBrowser();

  test('a file with one bad row is refused by row and column; the corrected file imports, and an asset shows its handling rules', { timeout: 120_000 }, async () => {
    const { custos, browser } = env;
    const { baseUrl } = custos;
    const { context, page } = await newPage(browser);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'custos-import-'));
    try {
      await withCustosOutputOnFailure(custos, async () => {
        const stamp = Date.now();
        const file = path.join(dir, 'inventory.csv');
        await login(page, baseUrl, MANAGER_EMAIL);

        // The asset list links to the import page.
        await page.goto(`${baseUrl}${ORG_PATH}/assets`);
        await clickAndWait(page, page.getByRole('link', { name: 'Import', exact: true }));
        assert.equal(new URL(page.url()).pathname, `${ORG_PATH}/assets/import`);
        assert.ok((await page.getByRole('link', { name: 'Excel template' }).count()) === 1);

        // Row 2 says the server is a "mainframe", which is no type of asset.
        await writeFile(file, inventory(stamp, 'mainframe'));
        await page.setInputFiles('#file', file);
        const refused = await clickAndWait(page, page.getByRole('button', { name: 'Check the file' }));
        assert.equal(refused.status(), 422);
        const errors = await tablesText(page);
        assert.match(errors, /\b2\b[\s\S]*C \(type\)[\s\S]*mainframe/, `the error names row 2, column C: ${errors}`);
        assert.match(await pageText(page), /nothing was imported/);
        assert.equal(await page.getByRole('button', { name: /^Import \d+ rows?$/ }).count(), 0, 'nothing to confirm');

        await page.goto(`${baseUrl}${ORG_PATH}/assets?q=${stamp}`);
        assert.match(await pageText(page), /No asset matches/, 'the refused file wrote nothing');

        // The corrected file: a preview, then the import.
        await page.goto(`${baseUrl}${ORG_PATH}/assets/import`);
        await writeFile(file, inventory(stamp, 'hardware'));
        await page.setInputFiles('#file', file);
        const previewed = await clickAndWait(page, page.getByRole('button', { name: 'Check the file' }));
        assert.equal(previewed.status(), 200);
        const preview = await pageText(page);
        assert.match(preview, /3 new assets/, preview);
        assert.match(await tablesText(page), /Create[\s\S]*Server/);
        await clickAndWait(page, page.getByRole('button', { name: 'Import 3 rows' }));
        assert.equal(new URL(page.url()).pathname, `${ORG_PATH}/assets`);
        assert.match(await pageText(page), /its assets are in the inventory/);

        await page.goto(`${baseUrl}${ORG_PATH}/assets?q=${stamp}`);
        const listed = await tablesText(page);
        for (const name of [`Server ${stamp}`, `CRM ${stamp}`, `Customer data ${stamp}`]) {
          assert.ok(listed.includes(name), `${name} is in the inventory: ${listed}`);
        }

        // An imported asset's page tells how to handle it and where its value comes from.
        await clickAndWait(page, page.getByRole('link', { name: `Customer data ${stamp}`, exact: true }));
        const data = await pageText(page);
        for (const shown of ['Classification and handling', 'Restricted', 'RESTRICTED', 'Label to apply', 'Disposal']) {
          assert.ok(data.includes(shown), `the asset page shows ${shown}: ${data}`);
        }
        await page.goto(`${baseUrl}${ORG_PATH}/assets?q=${stamp}`);
        await clickAndWait(page, page.getByRole('link', { name: `Server ${stamp}`, exact: true }));
        assert.match(await pageText(page), new RegExp(`Customer data ${stamp}, which depends on it`), 'the server is as confidential as the data it serves');

        // Importing the same file again would change nothing.
        await page.goto(`${baseUrl}${ORG_PATH}/assets/import`);
        await page.setInputFiles('#file', file);
        await clickAndWait(page, page.getByRole('button', { name: 'Check the file' }));
        assert.match(await pageText(page), /already holds every row of this file/);
      });
    } finally {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
