/**
 * A host runs a bounded number of sandboxes, each under an account of its own (as root), and the
 * drills beyond that wait in the queue instead of failing; the history database and the cluster
 * template belong to no sandbox.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { templatePath } from '../../activities/engines/postgres/cluster-template.js';
import { configuredPostgresInstallations } from '../../activities/engines/postgres/installations.js';
import { lookupAccount, HISTORY_ACCOUNT_NAME } from '../../activities/sandboxes/accounts.js';
import { SANDBOX_DIR_PREFIX } from '../../activities/sandboxes/local.js';
import { clusterDirCandidates } from '../../scripts/services/history-postgres.js';
import { postgresRequest, sandboxLeftovers, slowPlainDump, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
const MAX_SANDBOXES = 2;
useDrillTestEnv('slots', (created) => (env = created), { worker: { maxSandboxes: MAX_SANDBOXES } });
const asRoot = process.getuid?.() === 0;

it(`runs at most ${MAX_SANDBOXES} sandboxes at once, each as its own account; the other drills wait in the queue and pass`, async () => {
  const handles = await Promise.all(Array.from({ length: 4 }, () => env.startDrill(postgresRequest(slowPlainDump(env, 2)))));
  const results = Promise.all(handles.map((handle) => awaitDrillResult(handle.result())));
  let done = false;
  void results.finally(() => (done = true));

  let mostAtOnce = 0;
  const sharedAccounts: string[] = [];
  while (!done) {
    const live = fs.readdirSync(env.sandboxRoot).filter((entry) => entry.startsWith(SANDBOX_DIR_PREFIX));
    const owners = live.map((entry) => fs.statSync(path.join(env.sandboxRoot, entry), { throwIfNoEntry: false })?.uid).filter((uid) => uid !== undefined && uid !== 0);
    mostAtOnce = Math.max(mostAtOnce, live.length);
    if (new Set(owners).size < owners.length) sharedAccounts.push(live.join(', '));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  expect((await results).map((r) => r.outcome)).toEqual(['passed', 'passed', 'passed', 'passed']);
  expect(mostAtOnce).toBeGreaterThan(0);
  expect(mostAtOnce).toBeLessThanOrEqual(MAX_SANDBOXES);
  // Sandboxes made while the root is owned by the worker are handed over after their leases.
  if (asRoot) expect(sharedAccounts).toEqual([]);

  // At least one drill found the slots taken and waited, which its history shows.
  const waited: string[] = [];
  for (const handle of handles) {
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const message = event.activityTaskFailedEventAttributes?.failure?.message;
      if (message) waited.push(message);
    }
  }
  expect(waited.some((message) => new RegExp(`all ${MAX_SANDBOXES} sandbox slots under .* are in use \\(RESTORE_DRILL_MAX_SANDBOXES=${MAX_SANDBOXES}\\)`).test(message))).toBe(true);
  expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
});

it.runIf(asRoot)('sandboxes never run as root, the history database\'s account or postgres', async () => {
  const handle = await env.startDrill(postgresRequest(slowPlainDump(env, 2)));
  let owner: number | undefined;
  for (let i = 0; i < 200 && owner === undefined; i++) {
    const entry = fs.readdirSync(env.sandboxRoot).find((name) => name.startsWith(SANDBOX_DIR_PREFIX));
    if (entry) owner = fs.statSync(path.join(env.sandboxRoot, entry), { throwIfNoEntry: false })?.uid;
    if (owner === 0) owner = undefined; // not handed over yet
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect((await awaitDrillResult(handle.result())).outcome).toBe('passed');
  const history = await lookupAccount(HISTORY_ACCOUNT_NAME);
  const postgresAccount = await lookupAccount('postgres');
  expect(owner).toBeDefined();
  expect([0, history?.uid, postgresAccount?.uid]).not.toContain(owner);
  const name = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.split(':')[2] === String(owner))?.split(':')[0];
  expect(name).toMatch(/^rd-sandbox-\d+$/);
});

it.runIf(asRoot)('the history database runs as its own account, and the pristine cluster template belongs to the worker, writable by no sandbox', async () => {
  const history = await lookupAccount(HISTORY_ACCOUNT_NAME);
  expect(history).toBeDefined();
  const clusterDir = clusterDirCandidates(inject('scratchDir')).find((dir) => fs.existsSync(path.join(dir, 'data', 'postmaster.pid')));
  expect(clusterDir, 'the running history cluster').toBeDefined();
  const postmaster = Number(fs.readFileSync(path.join(clusterDir!, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const uid = Number(fs.readFileSync(`/proc/${postmaster}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1]);
  expect(uid).toBe(history!.uid);

  // The drills above used at least one major's template.
  const templates = (await configuredPostgresInstallations().list()).map((bins) => templatePath(bins)).filter((dir) => fs.existsSync(dir));
  expect(templates.length).toBeGreaterThan(0);
  for (const template of templates) {
    const stat = fs.lstatSync(template);
    // Readable by every sandbox account (they copy it), writable by none.
    expect({ template, uid: stat.uid, writableByOthers: (stat.mode & 0o022) !== 0 }).toEqual({ template, uid: 0, writableByOthers: false });
    const versionFile = fs.statSync(path.join(template, 'data', 'PG_VERSION'));
    expect({ uid: versionFile.uid, writableByOthers: (versionFile.mode & 0o022) !== 0 }).toEqual({ uid: 0, writableByOthers: false });
  }
});
