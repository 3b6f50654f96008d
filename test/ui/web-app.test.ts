/**
 * The web app end to end, in headless Chromium (Debian's, driven by playwright-core) against the
 * real stack: the built app (ui/dist) served by this env's API, with a real Temporal, history
 * database and an in-process worker that runs real drills. Every step asserts on what a person
 * sees (roles, labels, text), runs axe-core on each page, and saves a full-page screenshot to
 * .data/ui-screenshots/ and docs/ui/ (docs/ui.md embeds them).
 *
 * One browser for the file, one context per role (manager, user, a 360 px phone), each a fresh
 * incognito profile. Waits are bounded (≤ 60 s) and poll the page (the drill watch every 100 ms);
 * nothing sleeps a fixed time to let something happen.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/config.js';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { ensureWebAppBuilt } from '../../scripts/services/web-app-build.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { scratchCopy, TEST_PASSWORD, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS_DIR = path.join(PROJECT_ROOT, '.data', 'ui-screenshots');
const DOCS_SHOTS_DIR = path.join(PROJECT_ROOT, 'docs', 'ui');
/** The longest any single wait may take: a real drill of the fixture takes a few seconds. */
const WAIT_MS = 60_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

let env: DrillTestEnv;
useDrillTestEnv('web-app', (e) => (env = e));

let api: ApiServer;
let webAppDir: string;
let browser: Browser;
let manager: BrowserContext;
let managerPage: Page;
const suffix = randomBytes(3).toString('hex');
const planName = `Nightly orders ${suffix}`;
/** Problems the pages themselves reported (uncaught errors, CSP refusals), checked at the end. */
const pageProblems: string[] = [];
/** Every response body the manager's pages received, for the secret-leak check. */
const managerResponses: Promise<{ url: string; body: string }>[] = [];
const accessibility: { page: string; violations: AxeViolation[] }[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/setup.sh\` (as root it installs Debian's chromium)`);
  webAppDir = await ensureWebAppBuilt();
  api = await startApiWithWebApp(webAppDir);
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  fs.mkdirSync(DOCS_SHOTS_DIR, { recursive: true });
  // The default launch makes a fresh temporary profile (user-data dir) for this file, removed on close.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
  manager = await newContext(DESKTOP);
  managerPage = await manager.newPage();
  managerPage.on('response', (response) => {
    // An event stream's body ends only with its drill: it carries progress, never credentials.
    if ((response.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    managerResponses.push(response.body().then((body) => ({ url: response.url(), body: body.toString('utf8') }), () => ({ url: response.url(), body: '' })));
  });
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

/**
 * This env's API (its deps, vault included) serving the built app on a free loopback port.
 * env.startApi() takes only { codec } for now, so the server is started here and closed in afterAll.
 */
async function startApiWithWebApp(dir: string): Promise<ApiServer> {
  return startApiServer({ ...env.apiDeps(), webAppDir: dir, host: '127.0.0.1', port: 0 });
}

async function newContext(viewport: { width: number; height: number }, storageState?: Awaited<ReturnType<BrowserContext['storageState']>>): Promise<BrowserContext> {
  // The pages keep their strict CSP (script-src 'self'): axe-core goes in through the DevTools
  // protocol (page.evaluate), which CSP does not govern, so no bypassCSP that would hide a
  // CSP regression of the app itself.
  const context = await browser.newContext({ baseURL: api.url, viewport, locale: 'en-US', timezoneId: 'UTC', colorScheme: 'light', reducedMotion: 'reduce', ...(storageState ? { storageState } : {}) });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  context.on('page', watchForProblems);
  return context;
}

function watchForProblems(page: Page): void {
  page.on('pageerror', (err) => pageProblems.push(`${page.url()}: uncaught ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Refused to|Content Security Policy/i.test(message.text())) pageProblems.push(`${page.url()}: ${message.text()}`);
  });
}

// ---------------------------------------------------------------------------------------------
// What a person sees, read off the page.

/** Waits until no part of the page says it is loading (aria-busy), so what follows sees data. */
async function settled(page: Page, what: string): Promise<void> {
  await expect.poll(() => page.locator('[aria-busy="true"]').count(), { timeout: WAIT_MS, message: `${what}: still showing "Loading…" at ${page.url()}` }).toBe(0);
}

function region(scope: Page | Locator, name: string | RegExp): Locator {
  return scope.getByRole('region', { name });
}

async function visible(locator: Locator, what: string): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: WAIT_MS });
  } catch (err) {
    throw new Error(`${what} did not appear within ${WAIT_MS / 1000}s: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function landOn(page: Page, pattern: RegExp, what: string): Promise<void> {
  try {
    await page.waitForURL(pattern, { timeout: WAIT_MS });
  } catch {
    throw new Error(`${what}: expected a URL like ${pattern}, still at ${page.url()}; the page says: ${(await page.locator('main').innerText().catch(() => '?')).slice(0, 400)}`);
  }
}

interface DrillPageState {
  heading: string;
  /** The last word of the h1: the drill's status badge. */
  verdict: string;
  steps: string[];
  progressBars: number;
}

async function drillPageState(page: Page): Promise<DrillPageState> {
  const h1 = page.getByRole('heading', { level: 1 });
  const heading = (await h1.count()) > 0 ? (await h1.first().innerText()).trim() : '';
  const steps = region(page, 'Steps');
  return {
    heading,
    verdict: /(\S+)$/.exec(heading)?.[1] ?? '',
    steps: (await steps.count()) > 0 ? (await steps.getByRole('listitem').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim()) : [],
    progressBars: await page.getByRole('progressbar').count(),
  };
}

/** Watches a drill page until its badge says `verdict`, returning every distinct state it showed on the way. */
async function watchDrill(page: Page, verdict: 'passed' | 'failed'): Promise<DrillPageState[]> {
  const seen: DrillPageState[] = [];
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const state = await drillPageState(page);
    const last = seen.at(-1);
    if (!last || last.heading !== state.heading || last.steps.join('|') !== state.steps.join('|') || last.progressBars !== state.progressBars) seen.push(state);
    if (['passed', 'failed', 'error', 'cancelled'].includes(state.verdict)) {
      if (state.verdict !== verdict) {
        const why = await region(page, /^Why this/).innerText().catch(() => '(no "Why" section)');
        throw new Error(`the drill at ${page.url()} ended "${state.verdict}", expected "${verdict}": ${why.slice(0, 600)}`);
      }
      return seen;
    }
    const loadError = await page.getByText(/^Cannot load the drill/).count();
    if (loadError > 0) throw new Error(`the drill page at ${page.url()} says: ${await page.getByText(/^Cannot load the drill/).innerText()}`);
    if (Date.now() > deadline) throw new Error(`the drill at ${page.url()} did not say "${verdict}" within ${WAIT_MS / 1000}s; last seen: ${JSON.stringify(state)}`);
    // Polling the live page (each read is a round trip to the browser), not a fixed sleep.
    await page.waitForTimeout(100);
  }
}

/** The innermost elements whose right edge passes `width` (outside horizontally scrolling boxes), for a failure message. */
async function overflowing(page: Page, width: number): Promise<string> {
  return page.evaluate<string>(`(() => {
    const inScroller = (el) => { for (let p = el.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
    // Inside a scroller an element is clipped unless it is positioned out of it (absolute, fixed): those count too.
    const wide = [...document.body.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > ${width} + 0.5 && (!inScroller(el) || ['absolute', 'fixed'].includes(getComputedStyle(el).position)));
    const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
    return innermost.slice(0, 8).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' (' + getComputedStyle(el).position + ', right edge ' + Math.round(el.getBoundingClientRect().right) + 'px: "' + (el.textContent || '').trim().slice(0, 40) + '")').join('; ');
  })()`);
}

// ---------------------------------------------------------------------------------------------
// Accessibility (axe-core) and screenshots.

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
  targets: string[];
}

/** Runs axe-core on the page as it is; serious and critical violations fail the test (softly: the flow goes on). */
async function checkAccessibility(page: Page, name: string): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') lets it in,
  // where an inline <script> from addScriptTag would be refused. A client-side navigation keeps it.
  if ((await page.evaluate('typeof window.axe')) === 'undefined') await page.evaluate(axe.source);
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 4).map((n) => n.target.join(' ')) })))`);
  accessibility.push({ page: name, violations });
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect.soft(blocking.map((v) => `${v.impact} ${v.id}`), `axe-core on ${name} (${page.url()}) found serious/critical violations; all of them:\n${describeViolations(violations)}`).toEqual([]);
}

function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `  - [${v.impact}] ${v.id}: ${v.help} (${v.nodes} node${v.nodes === 1 ? '' : 's'}: ${v.targets.join(', ')})`).join('\n') || '  (none)';
}

/**
 * A full-page PNG into .data/ui-screenshots/ (CI's artifacts); with RESTORE_DRILL_UPDATE_DOCS_SCREENSHOTS=1
 * also into docs/ui/ for docs/ui.md (ids and times differ every run, so not by default).
 */
async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  if (process.env.RESTORE_DRILL_UPDATE_DOCS_SCREENSHOTS === '1') fs.copyFileSync(file, path.join(DOCS_SHOTS_DIR, `${name}.png`));
}

/** Every page visit ends here: settled, accessible, photographed. */
async function record(page: Page, name: string): Promise<void> {
  await settled(page, name);
  await checkAccessibility(page, name);
  await screenshot(page, name);
}

// ---------------------------------------------------------------------------------------------
// What the initial routes cost: the files the browser fetched to show them, gzipped here.

interface RouteWeight {
  files: { path: string; raw: number; gzip: number }[];
  raw: number;
  gzip: number;
  compressedByServer: boolean;
}

/** Loads `url` in a fresh page of `context` and weighs the app files (not /api) it fetched until `ready` shows. */
async function weighRoute(context: BrowserContext, url: string, ready: (page: Page) => Locator): Promise<RouteWeight> {
  const page = await context.newPage();
  const fetched: Response[] = [];
  page.on('response', (response) => {
    const { origin, pathname } = new URL(response.url());
    if (origin === api.url && !pathname.startsWith('/api/')) fetched.push(response);
  });
  await page.goto(url);
  await visible(ready(page), `the page at ${url}`);
  await settled(page, url);
  const files = [...new Set(fetched.map((r) => new URL(r.url()).pathname))].map((pathname) => {
    const onDisk = path.join(webAppDir, pathname.startsWith('/assets/') ? pathname : 'index.html');
    const bytes = fs.readFileSync(onDisk);
    return { path: pathname, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const compressedByServer = fetched.some((r) => Boolean(r.headers()['content-encoding']));
  await page.close();
  return { files, raw: files.reduce((n, f) => n + f.raw, 0), gzip: files.reduce((n, f) => n + f.gzip, 0), compressedByServer };
}

function describeWeight(label: string, weight: RouteWeight): string {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  return [`${label}: ${kib(weight.gzip)} gzipped (${kib(weight.raw)} raw) in ${weight.files.length} files; the API sends them ${weight.compressedByServer ? 'compressed' : 'uncompressed'}`, ...weight.files.map((f) => `    ${f.path.padEnd(36)} ${kib(f.raw).padStart(10)} raw ${kib(f.gzip).padStart(10)} gzip`)].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function signInThroughForm(page: Page, email: string, password: string): Promise<void> {
  await visible(page.getByRole('heading', { name: 'Sign in', level: 1 }), 'the "Sign in" heading');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The home page's "Run a test restoration" form, filled for a local PostgreSQL dump, and Run. */
async function runTestRestoration(page: Page, backupPath: string): Promise<void> {
  await page.goto('/');
  const form = region(page, 'Run a test restoration on a backup');
  await visible(form, 'the "Run a test restoration on a backup" form');
  await form.getByLabel('Location').selectOption({ label: 'This server (a path)' });
  await form.getByLabel('Backup file or folder').fill(backupPath);
  await form.getByLabel('Database type').selectOption({ label: 'PostgreSQL' });
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  await landOn(page, /\/drills\/[^/?#]+$/, 'after "Run"');
  await drillPageOpened(page);
}

/** The drill page a start navigated to shows its drill ("Steps"), though the record appears a moment after the start. */
async function drillPageOpened(page: Page): Promise<void> {
  await visible(page.getByRole('heading', { name: 'Steps' }), 'the drill page\'s "Steps" heading');
}

describe('the web app in a browser', () => {
  it('sends a visitor who is not signed in to /sign-in?returnTo=…, and signs in with a password', async () => {
    const page = managerPage;
    await page.goto('/');
    await landOn(page, /\/sign-in\?/, 'an unauthenticated visit to /');
    expect(new URL(page.url()).searchParams.get('returnTo'), `the sign-in URL ${page.url()} should carry returnTo=/`).toBe('/');
    await visible(page.getByLabel('Email'), 'the "Email" field');
    await visible(page.getByLabel('Password'), 'the "Password" field');
    await record(page, 'sign-in');

    await page.getByLabel('Email').fill(env.manager.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('alert'), 'the error after a wrong password');
    expect(new URL(page.url()).pathname, 'a wrong password stays on the sign-in page').toBe('/sign-in');

    await page.getByLabel('Password').fill(env.manager.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await landOn(page, /\/$/, 'signing in with the right password returns to /');
    await visible(page.getByRole('heading', { name: 'Run a test restoration on a backup' }), 'the home page after signing in');
    await visible(page.getByRole('navigation', { name: 'Main' }).getByText(env.manager.email), "the signed-in manager's email in the header");
  });

  it('weighs the initial routes (the files the browser fetches to show them)', async () => {
    const signedOut = await newContext(DESKTOP);
    const signIn = await weighRoute(signedOut, '/sign-in', (page) => page.getByRole('button', { name: 'Sign in' }));
    await signedOut.close();
    const home = await weighRoute(manager, '/', (page) => page.getByRole('heading', { name: 'Scheduled restores' }));
    console.log(`web app initial route sizes (gzip -9, from ${path.relative(PROJECT_ROOT, webAppDir)}):\n${describeWeight('/sign-in (signed out)', signIn)}\n${describeWeight('/ (home, signed in)', home)}`);
    expect(home.files.map((f) => f.path), 'the home page loads index.html and its assets').toContain('/');
    expect(home.gzip, 'the home route stays under 150 KiB gzipped').toBeLessThan(150 * 1024);
  });

  let passedDrillUrl = '';
  it('runs a test restoration of a good dump from the home page and shows it pass, live', async () => {
    const page = managerPage;
    await runTestRestoration(page, env.fixture(FIXTURE_FILES.custom));
    passedDrillUrl = page.url();
    const states = await watchDrill(page, 'passed');
    const whileRunning = states.filter((s) => s.verdict === 'running');
    expect(whileRunning.length, `the drill page should show the drill running before its verdict; it showed: ${JSON.stringify(states, null, 1)}`).toBeGreaterThan(0);
    // The page went from "running" to its verdict by itself (no reload): the live stream did it. The
    // fixture restores in about 2 s, so how many intermediate step lists are seen depends on the machine.
    expect(states.at(-1)!.verdict, `the drill page should reach the verdict live; it showed: ${JSON.stringify(states, null, 1)}`).toBe('passed');
    expect(whileRunning.some((s) => s.steps.some((step) => /running/.test(step))), `a step should show as running while the drill runs; it showed: ${JSON.stringify(whileRunning, null, 1)}`).toBe(true);
    const final = states.at(-1)!;
    expect(final.steps.length, `a passed drill lists its steps: ${JSON.stringify(final)}`).toBeGreaterThan(3);
    expect(final.steps.every((s) => /\b(passed|skipped)\b/.test(s)), `every step of a passed drill says passed (or skipped): ${final.steps.join('; ')}`).toBe(true);

    const tables = region(page, /^Tables/);
    await visible(tables, 'the "Tables" section of the passed drill');
    const orders = tables.getByRole('row', { name: /public\.orders/ });
    await visible(orders, 'the public.orders row of the Tables section');
    expect(await orders.getByRole('cell').first().innerText(), 'public.orders restored with 3,400 rows').toBe('3,400');
    await record(page, 'drill-passed');
  });

  it('shows why a truncated dump failed', async () => {
    const page = managerPage;
    const truncated = scratchCopy(env, FIXTURE_FILES.custom, 'truncated.dump');
    fs.truncateSync(truncated, Math.floor(fs.statSync(truncated).size / 2));
    await runTestRestoration(page, truncated);
    await watchDrill(page, 'failed');
    const why = region(page, 'Why this backup failed');
    await visible(why.getByRole('heading', { name: 'Why this backup failed' }), 'the "Why this backup failed" heading');
    const drillId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const recorded = await fetch(`${api.url}/api/drills/${encodeURIComponent(drillId)}`, { headers: { authorization: `Bearer ${env.manager.token}` } }).then((r) => r.json() as Promise<{ feedback: { reason: string } | null }>);
    expect(recorded.feedback?.reason, 'the API records a reason for the failed drill').toMatch(/pg_restore/);
    const shown = await why.innerText();
    expect(shown, 'the page shows the recorded reason under "Why this backup failed"').toContain(recorded.feedback!.reason);
    await record(page, 'drill-failed');
  });

  let planUrl = '';
  it('schedules a regular restoration test, runs it now, and lists the drill in the plan\'s history', async () => {
    const page = managerPage;
    await page.goto('/');
    const form = region(page, 'Schedule a regular restoration test');
    await visible(form, 'the "Schedule a regular restoration test" form');
    await form.getByLabel('Name', { exact: true }).fill(planName);
    await form.getByLabel('Location').selectOption({ label: 'This server (a path)' });
    await form.getByLabel('Backup file or folder').fill(env.fixture(FIXTURE_FILES.custom));
    await form.getByLabel('Database type').selectOption({ label: 'PostgreSQL' });
    await form.getByLabel('Repeat').selectOption({ label: 'Every day' });
    await form.getByLabel('Time', { exact: true }).fill('04:30');
    await form.getByLabel('Time zone').fill('Europe/Paris');
    await form.getByRole('button', { name: 'Schedule' }).click();
    await landOn(page, /\/plans\/[^/?#]+$/, 'after "Schedule"');
    planUrl = page.url();
    await visible(page.getByRole('heading', { level: 1, name: new RegExp(planName) }), `the plan page's heading "${planName}"`);
    const settings = region(page, 'Settings');
    await visible(settings, 'the plan\'s Settings');
    expect(await settings.innerText(), 'the plan page describes the schedule that was asked for').toMatch(/04:30/);

    await page.getByRole('button', { name: 'Run now' }).click();
    await landOn(page, /\/drills\/[^/?#]+$/, 'after "Run now" on the plan page');
    await drillPageOpened(page);
    const drillPath = new URL(page.url()).pathname;
    await watchDrill(page, 'passed');

    await page.goBack();
    await landOn(page, new RegExp(`${new URL(planUrl).pathname}$`), 'going back from the drill');
    const history = region(page, 'History');
    await visible(history.getByRole('table'), 'the plan\'s History table');
    const drillLink = history.getByRole('link', { name: 'Drill', exact: true });
    await expect.poll(async () => Promise.all((await drillLink.all()).map((a) => a.getAttribute('href'))), { timeout: WAIT_MS, message: `the History table should link the new drill ${drillPath}` }).toContain(drillPath);
    const row = history.getByRole('row').filter({ has: page.locator(`a[href="${drillPath}"]`) });
    expect(await row.innerText(), 'the new drill\'s History row says passed').toMatch(/passed/);
    await record(page, 'plan');

    // Edit the schedule in place: every week on Tuesday and Friday at 05:15.
    await settings.getByRole('button', { name: 'Edit schedule' }).click();
    const editor = page.getByRole('form', { name: 'Edit the schedule' });
    await visible(editor, 'the schedule editor');
    await editor.getByLabel('Repeat').selectOption({ label: 'Every week' });
    await editor.getByLabel('mon').uncheck();
    await editor.getByLabel('tue').check();
    await editor.getByLabel('fri').check();
    await editor.getByLabel('Time', { exact: true }).fill('05:15');
    await editor.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(async () => settings.innerText(), { timeout: WAIT_MS, message: 'the plan\'s Settings should describe the edited schedule' }).toMatch(/05:15/);
    const saved = await (await fetch(`${api.url}/api/plans/${encodeURIComponent(decodeURIComponent(new URL(planUrl).pathname.split('/').pop()!))}`, { headers: { authorization: `Bearer ${env.manager.token}` } })).json() as { plan: { schedule: unknown } };
    expect(saved.plan.schedule, 'the API holds the edited schedule').toMatchObject({ frequency: 'weekly', days: ['tue', 'fri'], at: '05:15', timeZone: 'Europe/Paris' });
  });

  it('fits a 360 px phone: the home page does not scroll sideways and the plans table is reachable', async () => {
    // The desktop home page, now with a plan in its table.
    await managerPage.goto('/');
    await visible(managerPage.getByRole('link', { name: planName }), `the plan "${planName}" on the home page`);
    await record(managerPage, 'home');

    const phone = await newContext(PHONE, await manager.storageState());
    const page = await phone.newPage();
    await page.goto('/');
    const plans = region(page, 'Scheduled restores');
    await visible(plans.getByRole('link', { name: planName }), `the plan "${planName}" in the Scheduled restores table at 360 px`);
    await settled(page, 'home at 360 px');
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(scrollWidth, `the home page at 360 px wide is ${scrollWidth}px wide: it scrolls sideways; what sticks out: ${scrollWidth > PHONE.width ? await overflowing(page, PHONE.width) : ''}`).toBeLessThanOrEqual(PHONE.width);
    await checkAccessibility(page, 'home at 360 px');
    await screenshot(page, 'home-360');
    for (const [what, target] of [
      ['the plan\'s name link', plans.getByRole('link', { name: planName })],
      ['its "Run now" button', plans.getByRole('button', { name: `Run now for ${planName}` })],
    ] as const) {
      await target.scrollIntoViewIfNeeded();
      const box = await target.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= PHONE.width + 1 && box.y >= 0 && box.y + box.height <= PHONE.height + 1, `${what} can be scrolled into the 360×740 view (box ${JSON.stringify(box)})`).toBe(true);
    }
    await phone.close();
  });

  it('lets a manager add a user and an SSH key, and never shows the key again', async () => {
    const page = managerPage;
    const newUser = `new-user-${suffix}@restore-drill.test`;
    await page.goto('/users');
    await visible(page.getByRole('button', { name: 'Add user' }), 'the "Add user" button on /users');
    await settled(page, '/users');
    await page.getByLabel('Email', { exact: true }).fill(newUser);
    await page.getByLabel('Role', { exact: true }).selectOption('user');
    await page.getByRole('button', { name: 'Add user' }).click();
    const initial = page.getByRole('status').filter({ hasText: /^\s*Initial password for/ });
    await visible(initial, 'the "Initial password for …" notice after "Add user"');
    expect(await initial.first().innerText(), 'the notice names the new user').toContain(newUser);
    await record(page, 'users');

    const keyDir = fs.mkdtempSync(path.join(env.scratchDir, 'ui-ssh-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path.join(keyDir, 'id')]);
    const privateKey = fs.readFileSync(path.join(keyDir, 'id'), 'utf8');
    const bodyLines = privateKey.split('\n').filter((line) => line && !line.startsWith('-----'));
    const credentialName = `ui-sftp-${suffix}`;
    await page.goto('/credentials');
    await visible(page.getByRole('button', { name: 'Add credential' }), 'the "Add credential" button on /credentials');
    await settled(page, '/credentials');
    await page.getByLabel('Name', { exact: true }).fill(credentialName);
    await page.getByLabel('Kind', { exact: true }).selectOption('ssh-key');
    const material = page.getByLabel('Secret material');
    expect(await material.evaluate((el) => el.tagName), '"Secret material" is a textarea').toBe('TEXTAREA');
    await material.fill(privateKey);
    await page.getByRole('button', { name: 'Add credential' }).click();
    await visible(page.getByText(credentialName), `the new credential "${credentialName}" listed on /credentials`);
    const vault = await fetch(`${api.url}/api/vault`, { headers: { authorization: `Bearer ${env.manager.token}` } }).then((r) => r.json() as Promise<{ credentials: { name: string; kind: string }[] }>);
    expect(vault.credentials.find((c) => c.name === credentialName)?.kind, 'the vault holds the SSH key added through the page').toBe('ssh-key');
    await record(page, 'credentials');
    await page.reload();
    await visible(page.getByText(credentialName), `"${credentialName}" listed after a reload`);
    await settled(page, '/credentials after a reload');

    const html = await page.content();
    for (const line of bodyLines) expect(html.includes(line), `the page's HTML shows a line of the private key: ${line.slice(0, 12)}…`).toBe(false);
    expect(html.includes(bodyLines.join('')), 'the page\'s HTML shows the private key').toBe(false);
    const responses = await Promise.all(managerResponses);
    expect(responses.length, 'the manager\'s page received responses').toBeGreaterThan(10);
    const leaks = responses.filter((r) => bodyLines.some((line) => r.body.includes(line)) || r.body.includes(bodyLines.join('')));
    expect(leaks.map((r) => r.url), 'no response the page received carries the private key').toEqual([]);
  });

  it('shows the other manager pages (channels, audit, tokens)', async () => {
    const page = managerPage;
    for (const [route, name] of [
      ['/channels', 'channels'],
      ['/audit', 'audit'],
      ['/tokens', 'tokens'],
    ] as const) {
      await page.goto(route);
      await visible(page.getByRole('heading', { level: 1 }), `the heading of ${route}`);
      const heading = await page.getByRole('heading', { level: 1 }).first().innerText();
      expect(heading, `${route} is a page of its own, not "Not found" nor "Managers only"`).not.toMatch(/not found|managers only/i);
      await record(page, name);
    }
    await page.goto('/audit');
    await settled(page, '/audit');
    await expect.poll(() => page.locator('main').innerText(), { timeout: WAIT_MS, message: 'the audit trail shows the credential added through the page' }).toContain(`ui-sftp-${suffix}`);
  });

  let userContext: BrowserContext;
  it('keeps manager pages from a user: no links, "Managers only", and 403 from the API', async () => {
    const user = await env.signIn(`user-${suffix}@restore-drill.test`, 'user');
    userContext = await newContext(DESKTOP);
    const page = await userContext.newPage();
    await page.goto('/');
    await landOn(page, /\/sign-in\?/, 'a new browser of the user');
    await signInThroughForm(page, user.email, TEST_PASSWORD);
    await landOn(page, /\/$/, 'the user signing in');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await visible(nav.getByText(user.email), "the user's email in the header");
    const links = await nav.getByRole('link').allInnerTexts();
    for (const managerLink of ['Users', 'Credentials', 'Channels', 'Audit']) expect(links, `a user's navigation shows no "${managerLink}" link`).not.toContain(managerLink);
    expect(links, 'a user still has Home and Tokens').toEqual(expect.arrayContaining(['Home', 'Tokens']));

    await page.goto('/users');
    await visible(page.getByRole('heading', { name: 'Managers only' }), 'the "Managers only" page at /users for a user');
    await record(page, 'managers-only');
    const answer = await userContext.request.get('/api/users');
    expect(answer.status(), "GET /api/users with the user's session cookie").toBe(403);
  });

  it('"Sign out" ends the session: the old cookie gets 401 from /api/auth/me', async () => {
    const page = userContext.pages()[0]!;
    const cookie = (await userContext.cookies(api.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    expect(cookie, 'the signed-in browser holds a session cookie').toMatch(/rd_session=/);
    const me = () => fetch(`${api.url}/api/auth/me`, { headers: { cookie } }).then((r) => r.status);
    expect(await me(), '/api/auth/me with the session cookie before signing out').toBe(200);
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await landOn(page, /\/sign-in/, 'after "Sign out"');
    await visible(page.getByRole('button', { name: 'Sign in' }), 'the sign-in form after signing out');
    expect(await me(), '/api/auth/me with the old cookie after "Sign out"').toBe(401);
    await page.goto('/');
    await landOn(page, /\/sign-in\?/, 'visiting / after signing out');
    await userContext.close();
  });

  it('raised no page errors or CSP refusals, and reports what axe-core found', () => {
    console.log(`axe-core on ${accessibility.length} pages:\n${accessibility.map((a) => `${a.page}:\n${describeViolations(a.violations)}`).join('\n')}`);
    expect(pageProblems, 'the pages reported errors').toEqual([]);
    expect(passedDrillUrl, 'the passed drill was seen').not.toBe('');
  });
});
