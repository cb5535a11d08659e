// Takes the screenshots of the README's tour from a demo instance:
//   CUSTOS_BIN=target/debug/custos node tests/browser/tour.mjs
// Writes docs/screenshots/*.png. Not a test: run it when the pages change.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { APPROVER_EMAIL, MANAGER_EMAIL, AUDITOR_EMAIL, ORG_PATH, launchBrowser, login, logout, startCustos } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../docs/screenshots');

const custos = await startCustos();
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const shot = async (name) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage: false });

  await page.goto(`${custos.baseUrl}/login`);
  await shot('login');
  await login(page, custos.baseUrl, MANAGER_EMAIL);
  await shot('home');
  await page.goto(`${custos.baseUrl}${ORG_PATH}/objectives`);
  await shot('objectives');
  await page.getByRole('link', { name: 'Keep the customer portal available', exact: true }).click();
  await shot('objective');
  await page.goto(`${custos.baseUrl}${ORG_PATH}/objectives/new`);
  await page.evaluate(() => document.querySelector('form.stacked')?.setAttribute('novalidate', ''));
  await page.getByLabel('Why', { exact: true }).fill('Suppliers hold our customer data.');
  await page.getByLabel('Target value', { exact: true }).fill('most');
  await page.getByRole('button', { name: 'Save objective' }).click();
  await page.waitForLoadState();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('objective-form-errors');
  await logout(page);

  await login(page, custos.baseUrl, APPROVER_EMAIL);
  await page.goto(`${custos.baseUrl}${ORG_PATH}/approvals`);
  await shot('approvals');
  await logout(page);

  await login(page, custos.baseUrl, AUDITOR_EMAIL);
  await page.goto(`${custos.baseUrl}${ORG_PATH}/audit-log`);
  await shot('audit-log');
  await context.close();
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await custos.stop();
}
