// Shared helpers for the Custos browser tests.
//
// The tests drive a real `custos serve --demo` process (CUSTOS_BIN) with the
// system Chromium through playwright-core. No browser is ever downloaded.

import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const ORG_SLUG = 'acme';
export const ORG_NAME = 'Acme Ltd';
export const DEMO_PASSWORD = 'demo-password';
export const USERS = Object.freeze({
  admin: 'admin@acme.example',
  manager: 'manager@acme.example',
  approver: 'approver@acme.example',
  contributor: 'contributor@acme.example',
  auditor: 'auditor@acme.example',
  staff: 'staff@acme.example',
});
export const ADMIN_EMAIL = USERS.admin;
export const MANAGER_EMAIL = USERS.manager;
export const APPROVER_EMAIL = USERS.approver;
export const CONTRIBUTOR_EMAIL = USERS.contributor;
export const AUDITOR_EMAIL = USERS.auditor;
export const STAFF_EMAIL = USERS.staff;

/** Path prefix of the demo organisation, e.g. `/orgs/acme`. */
export const ORG_PATH = `/orgs/${ORG_SLUG}`;

/** Matches a UUID (any version), anchored nowhere. */
export const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const KEEP_OUTPUT_LINES = 200;

/** Children still running, killed hard if the test process exits early. */
const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A free TCP port on 127.0.0.1 (bind to port 0, read it, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start `custos serve --demo` on a free port with a fresh data directory and
 * wait until GET /healthz answers 200.
 *
 * With `basePath` (e.g. "/isms") it serves under that sub-path and `baseUrl` includes it.
 *
 * @returns {Promise<{baseUrl: string, port: number, dataDir: string,
 *   output: () => string, stop: () => Promise<void>}>}
 */
export async function startCustos({ basePath = '' } = {}) {
  const bin = process.env.CUSTOS_BIN;
  if (!bin) {
    throw new Error(
      'CUSTOS_BIN is not set: point it at the custos binary, e.g. ' +
        'CUSTOS_BIN=$PWD/target/debug/custos node --test tests/browser/ ' +
        '(scripts/test does this for you)',
    );
  }

  const port = await freePort();
  // Under a sub-path (`--base-path /isms`) every URL of Custos starts with it.
  const origin = `http://127.0.0.1:${port}`;
  const baseUrl = `${origin}${basePath}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'custos-browser-'));

  const lines = [];
  const remember = (prefix) => {
    let partial = '';
    return (chunk) => {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(`${prefix}${line}`);
        if (lines.length > KEEP_OUTPUT_LINES) lines.shift();
      }
    };
  };
  const output = () => lines.join('\n');

  const args = [
    'serve',
    '--demo',
    '--data-dir',
    dataDir,
    '--listen',
    `127.0.0.1:${port}`,
    '--public-url',
    baseUrl,
    ...(basePath ? ['--base-path', basePath] : []),
  ];
  const child = spawn(bin, args, {
    // Only the environment Custos needs: a tester's own CUSTOS_* settings must not leak in.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CUSTOS_'))), RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);

  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      spawnError = err;
      liveChildren.delete(child);
      resolve({ code: null, signal: null, error: err });
    });
  });
  child.stdout.on('data', remember(''));
  child.stderr.on('data', remember(''));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      child.kill('SIGTERM');
      const timer = sleep(STOP_GRACE_MS, 'timeout', { ref: false });
      if ((await Promise.race([exited, timer])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  // Wait for /healthz.
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  let exitedEarly = null;
  exited.then((info) => {
    exitedEarly = info;
  });
  try {
    for (;;) {
      if (exitedEarly) {
        const why = exitedEarly.error
          ? `could not be started: ${exitedEarly.error.message}`
          : `exited early (code ${exitedEarly.code}, signal ${exitedEarly.signal})`;
        throw new Error(`custos ${why}\ncommand: ${bin} ${args.join(' ')}\n--- custos output ---\n${output()}`);
      }
      try {
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
        lastProblem = `GET /healthz answered ${res.status}`;
      } catch (err) {
        lastProblem = `GET /healthz failed: ${err.cause?.code ?? err.message}`;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `custos did not become healthy within ${HEALTH_TIMEOUT_MS / 1000} s (${lastProblem})\n` +
            `command: ${bin} ${args.join(' ')}\n--- custos output ---\n${output()}`,
        );
      }
      await sleep(200);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return { baseUrl, port, dataDir, output, stop };
}

/** Launch the system Chromium headless. */
/**
 * Registers before/after hooks on the current suite that start Custos and a browser and stop
 * them again (even when a test fails). Returns an object whose `custos` and `browser` are set
 * once the hooks have run.
 */
export function useCustosAndBrowser(options = {}) {
  const env = { custos: undefined, browser: undefined };
  before(
    async () => {
      env.custos = await startCustos(options);
      try {
        env.browser = await launchBrowser();
      } catch (err) {
        await env.custos.stop();
        env.custos = undefined;
        throw err;
      }
    },
    { timeout: 120_000 },
  );
  after(
    async () => {
      try {
        await env.browser?.close();
      } finally {
        await env.custos?.stop();
      }
    },
    { timeout: 60_000 },
  );
  return env;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A fresh browser context (own cookies and storage) and a page in it, with
 * generous default timeouts.
 */
export async function newPage(browser) {
  const context = await browser.newContext();
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  return { context, page };
}

function isRedirect(status) {
  return status >= 300 && status < 400;
}

function isMainFrameNavigation(page, response) {
  try {
    const request = response.request();
    return request.isNavigationRequest() && request.frame() === page.mainFrame();
  } catch {
    return false;
  }
}

/**
 * Click something that navigates the page (a link or a form's submit button)
 * and wait until the new document has loaded.
 *
 * Returns the final (non-redirect) response of the main frame's navigation:
 * for a POST answered by 303 -> GET it is the GET's response, for a POST
 * answered with a page (e.g. 422 or 403) it is the POST's own response.
 */
export async function clickAndWait(page, locator, { timeout = 30_000 } = {}) {
  const response = page.waitForResponse(
    (r) => isMainFrameNavigation(page, r) && !isRedirect(r.status()),
    { timeout },
  );
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
    timeout,
  });
  // Avoid unhandled rejections if the click itself fails.
  response.catch(() => {});
  navigated.catch(() => {});
  await locator.click();
  const [final] = await Promise.all([response, navigated]);
  await page.waitForLoadState('load');
  return final;
}

/** Visible text of the whole page (for "does the page say X" checks). */
export async function pageText(page) {
  return page.locator('body').innerText();
}

/** Text of all tables on the page ('' when there is none). */
export async function tablesText(page) {
  return (await page.locator('table').allInnerTexts()).join('\n');
}

/** Log in through the login form and wait until we have left /login. */
export async function login(page, baseUrl, email, password = DEMO_PASSWORD) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickAndWait(page, page.getByRole('button', { name: 'Log in', exact: true }));
  const url = new URL(page.url());
  if (url.pathname.endsWith('/login') || url.pathname.includes('/login/')) {
    const alerts = await page.getByRole('alert').allInnerTexts();
    throw new Error(
      `log-in as ${email} failed: still on ${url.pathname}` +
        (alerts.length ? ` (page says: ${alerts.join(' | ')})` : ''),
    );
  }
}

/** Open the user menu, press its "Log out" button and wait for the login page. */
export async function logout(page) {
  await page.locator('details.user-menu > summary').click();
  await clickAndWait(page, page.getByRole('button', { name: 'Log out', exact: true }));
  await page.waitForURL((url) => url.pathname.endsWith('/login'));
  await page.getByLabel('E-mail', { exact: true }).waitFor({ state: 'visible' });
}

/**
 * Run `fn`; if it throws, print the tail of custos' output first so the
 * failure can be understood, then rethrow.
 */
export async function withCustosOutputOnFailure(custos, fn) {
  try {
    return await fn();
  } catch (err) {
    if (custos) {
      process.stderr.write(`\n--- last lines of custos output ---\n${custos.output()}\n---\n`);
    }
    throw err;
  }
}

/**
 * On the members page, as the logged-in administrator of `page`, invite `email` with `role`
 * (a role name such as 'staff'); returns the invitation link the page shows once.
 */
export async function inviteFromMembersPage(page, baseUrl, email, role) {
  await page.goto(`${baseUrl}${ORG_PATH}/members`);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  const answered = await clickAndWait(page, page.getByRole('button', { name: 'Invite', exact: true }));
  if (answered.status() !== 200) {
    throw new Error(`inviting ${email} answered ${answered.status()}: ${await pageText(page)}`);
  }
  return (await page.locator('#invitation-link').innerText()).trim();
}

/**
 * Opens an invitation `link` in `page` (a browser with nobody logged in), creates the account
 * of someone new with `name` and `password`, and waits for the organisation's home page.
 */
export async function acceptAsNewPerson(page, link, name, password) {
  await page.goto(link);
  await page.getByLabel('Your name', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again', { exact: true }).fill(password);
  return clickAndWait(page, page.getByRole('button', { name: 'Create account and join', exact: true }));
}
