import { execFile } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.js';
import { PROJECT_ROOT } from '../../core/config.js';
import fs from 'node:fs';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { MONGO_FIXTURE_FILES } from '../support/mongo-fixtures.js';
import { MYSQL_FIXTURE_FILES } from '../support/mysql-fixtures.js';
import { createDrillTestEnv, scratchCopy, type DrillTestEnv } from '../support/drill-env.js';

const execFileAsync = promisify(execFile);
const DRILL_BIN = path.join(PROJECT_ROOT, 'cli', 'bin.js');

let env: DrillTestEnv;
let api: ApiServer;
beforeAll(async () => {
  env = await createDrillTestEnv('cli');
  api = await env.startApi();
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

async function drill(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [DRILL_BIN, ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.temporalAddress, RESTORE_DRILL_TASK_QUEUE: env.taskQueue, RESTORE_DRILL_API: api.url, RESTORE_DRILL_TOKEN: env.manager.token, ...extraEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('drill run', () => {
  it('prints a passing verdict with row counts and exits 0', async () => {
    const { code, stdout } = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Drill drill-\S+: PASSED$/m);
    expect(stdout).toMatch(/restored 4 table\(s\), 4,617 row\(s\)/);
    expect(stdout).toMatch(/public\.orders\s+3,400/);
    expect(stdout).toMatch(/steps\s+locate .* · provision .* · restore .* · inspect .* · teardown .* · report /);
  });

  it('is in the audit trail, as the requester the start request names', async () => {
    const { code, stdout } = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom), '--json']);
    expect(code).toBe(0);
    const { drillId } = JSON.parse(stdout) as { drillId: string };
    const audit = (await (await fetch(`${api.url}/api/audit?action=drills.start&limit=200`, { headers: { authorization: `Bearer ${env.manager.token}` } })).json()) as { events: Array<{ actor: string; target: string; details: Record<string, unknown> }> };
    expect(audit.events.filter((e) => e.target === drillId)).toEqual([expect.objectContaining({ actor: `cli:${os.userInfo().username}`, details: expect.objectContaining({ trigger: 'manual', via: 'temporal' }) })]);
  });

  it('prints one JSON object with --json', async () => {
    const { code, stdout } = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.plainGzip), '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ outcome: 'passed', failedStep: null, reason: null, format: 'plain', tableCount: 4, totalRows: 4617 });
    expect(result.drillId).toMatch(/^drill-/);
    expect(Object.keys(result.timings.steps)).toEqual(['locate', 'provision', 'restore', 'inspect', 'teardown', 'report']);
    expect(result.checks.map((c: { name: string }) => c.name)).toEqual(['size', 'format', 'producer', 'restore', 'readable', 'tables', 'rows']);
  });

  it('exits 1 with the failing step and reason for a corrupt backup', async () => {
    const file = scratchCopy(env, FIXTURE_FILES.custom, 'corrupt.dump');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'this is not a dump\n');
    const { code, stdout } = await drill(['run', '--engine', 'postgres', '--file', file]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/: FAILED at restore$/m);
    expect(stdout).toMatch(/reason\s+\[restorable\] not a PostgreSQL dump: the file is a text file that does not start like SQL/);
  });

  it.each([
    ['mysql', MYSQL_FIXTURE_FILES.plainGzip, '10.11', { assertions: [{ name: 'customers', sql: 'SELECT count(*) FROM customers', expect: '== 300' }], nativeIntegrity: true }],
    ['mongodb', MONGO_FIXTURE_FILES.directory, '7.0', { assertions: [{ name: 'orders', mongo: { database: 'shop', collection: 'orders', count: {} }, expect: '== 700' }] }],
  ] as const)('runs a %s plan from a --checks file, and fails it on another --engine-version', async (engine, fixture, version, checks) => {
    const checksFile = path.join(env.scratchDir, `cli-${engine}-checks.json`);
    fs.writeFileSync(checksFile, JSON.stringify(checks));
    const passing = await drill(['run', '--engine', engine, '--engine-version', version, '--file', env.fixture(fixture), '--checks', checksFile]);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toMatch(/^Drill drill-\S+: PASSED$/m);
    expect(passing.stdout).toMatch(/✓ custom\s+assertion:\S+\s+"?\d+"?/);
    expect(passing.stdout).toMatch(/✓ restorable\s+producer\s+/);

    const wrongVersion = await drill(['run', '--engine', engine, '--engine-version', '3.6', '--file', env.fixture(fixture), '--checks', checksFile]);
    expect(wrongVersion.code).toBe(1);
    expect(wrongVersion.stdout).toMatch(/reason\s+\[restorable\] the dump was taken from (MariaDB|MongoDB) [\d.]+.*, but the plan says its backups come from (MariaDB|MongoDB) 3\.6/);
  });

  it('exits 2 on a --checks file that is not a valid plan, naming the field', async () => {
    const checksFile = path.join(env.scratchDir, 'cli-bad-checks.json');
    fs.writeFileSync(checksFile, JSON.stringify({ assertions: [{ name: 'x', sql: 'SELECT 1', expect: 'about 5' }] }));
    const { code, stderr } = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom), '--checks', checksFile]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/invalid drill: checks\.assertions\.0\.expect: "about 5" is not an expectation/);
    const notJson = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom), '--checks', FIXTURE_FILES.custom]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--checks: cannot read|is not a JSON object of checks/);
  });

  it('exits 2 on usage errors, naming the problem', async () => {
    const missingEngine = await drill(['run', '--file', '/tmp/x.dump']);
    expect(missingEngine.code).toBe(2);
    expect(missingEngine.stderr).toMatch(/--engine is required/);
    const badAge = await drill(['run', '--engine', 'postgres', '--file', '/tmp/x.dump', '--max-age', '36']);
    expect(badAge.code).toBe(2);
    expect(badAge.stderr).toMatch(/--max-age: "36" is not a duration/);
    const unknown = await drill(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('takes --backup as another name for --file, and refuses the retired --plan-id', async () => {
    const { code, stdout } = await drill(['run', '--engine', 'postgres', '--backup', env.fixture(FIXTURE_FILES.custom), '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'passed', planId: null, backup: { path: env.fixture(FIXTURE_FILES.custom) } });
    const both = await drill(['run', '--engine', 'postgres', '--backup', '/tmp/a.dump', '--file', '/tmp/b.dump']);
    expect(both).toMatchObject({ code: 2, stderr: 'drill: --file and --backup are the same flag: give one\n' });
    const retired = await drill(['run', '--engine', 'postgres', '--file', '/tmp/x.dump', '--plan-id=nightly']);
    expect(retired.code).toBe(2);
    expect(retired.stderr).toMatch(/^drill: --plan-id is gone: drills run under saved plans now\. Use --plan NAME/);
  });

  it('run --plan drills a saved plan by name and records the drill under its id', async () => {
    const planId = await env.savePlan({ name: 'cli saved plan', engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.plainGzip) }, checks: { minTables: 4 } });
    const { code, stdout } = await drill(['run', '--plan', 'cli saved plan', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ planId, outcome: 'passed', format: 'plain', tableCount: 4 });
    const [row] = await env.query<{ plan_id: string; plan_name: string; trigger: string }>('SELECT plan_id, plan_name, trigger FROM drills WHERE id = $1', [result.drillId]);
    expect(row).toEqual({ plan_id: planId, plan_name: 'cli saved plan', trigger: 'manual' });

    const combined = await drill(['run', '--plan', 'cli saved plan', '--min-rows', '5']);
    expect(combined.code).toBe(2);
    expect(combined.stderr).toMatch(/cannot be combined with --min-rows/);
    const unknown = await drill(['run', '--plan', 'no plan by that name']);
    expect(unknown).toMatchObject({ code: 2, stderr: 'drill: no plan with id or name "no plan by that name"\n' });
  });

  it('exits 2 when Temporal cannot be reached', async () => {
    const { code, stderr } = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom)], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot reach Temporal at 127\.0\.0\.1:9/);
  });
});

describe('drill list and show', () => {
  it('list shows recorded drills and show details one', async () => {
    const run = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.tar), '--json']);
    const { drillId } = JSON.parse(run.stdout);

    const list = await drill(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(drillId);
    expect(list.stdout).toMatch(new RegExp(`${drillId}\\s+passed`));

    const show = await drill(['show', drillId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^Drill ${drillId}: PASSED`));
    expect(show.stdout).toMatch(/Sales Ops\.Odd "Quoted" Name\s+17/);

    const missing = await drill(['show', 'drill-that-never-was']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no drill with id "drill-that-never-was"/);
  });

  it('list pages with --limit and the printed --cursor, newest first, without repeating a drill', async () => {
    const all = JSON.parse((await drill(['list', '--limit', '200', '--json'])).stdout) as { drills: Array<{ id: string }>; nextCursor: string | null };
    expect(all.nextCursor).toBeNull();
    expect(all.drills.length).toBeGreaterThanOrEqual(3);

    const seen: string[] = [];
    let args = ['list', '--limit', '2'];
    for (let page = 0; page < 50; page += 1) {
      const { code, stdout } = await drill(args);
      expect(code).toBe(0);
      seen.push(...[...stdout.matchAll(/^\S+\s+(drill-\S+)\s/gm)].map((m) => m[1]!));
      const next = /^next page: drill list --limit 2 --cursor (\S+)$/m.exec(stdout);
      if (!next) break;
      args = ['list', '--limit', '2', '--cursor', next[1]!];
    }
    expect(seen).toEqual(all.drills.map((d) => d.id));
  });

  it('list filters by outcome, engine and start time', async () => {
    const failed = await drill(['list', '--outcome', 'failed']);
    expect(failed.code).toBe(0);
    const lines = failed.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(line).toMatch(/^\S+\s+drill-\S+\s+failed at \w+/);
    const failedCount = (await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM drills WHERE outcome = 'failed'`))[0]!.n;
    expect(lines).toHaveLength(failedCount);

    const mysql = JSON.parse((await drill(['list', '--engine', 'mysql', '--json'])).stdout) as { drills: Array<{ engine: string }> };
    expect(mysql.drills.length).toBeGreaterThanOrEqual(2);
    expect(new Set(mysql.drills.map((d) => d.engine))).toEqual(new Set(['mysql']));

    expect((await drill(['list', '--since', '2999-01-01'])).stdout).toBe('No drills match.\n');
    const recent = JSON.parse((await drill(['list', '--since', '1h', '--limit', '200', '--json'])).stdout) as { drills: unknown[] };
    const total = (await env.query<{ n: number }>('SELECT count(*)::int AS n FROM drills'))[0]!.n;
    expect(recent.drills).toHaveLength(total);
  });

  it('list refuses bad filters and the retired --offset, naming the flag', async () => {
    expect(await drill(['list', '--offset', '20'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^drill: --offset is gone: pages are cursors now\. Use --cursor CURSOR/) });
    expect(await drill(['list', '--limit', '0'])).toMatchObject({ code: 2, stderr: 'drill: --limit must be a whole number from 1 to 200, got "0"\n' });
    expect(await drill(['list', '--outcome', 'flaky'])).toMatchObject({ code: 2, stderr: 'drill: --outcome must be one of running, passed, failed, error, cancelled, got "flaky"\n' });
    expect(await drill(['list', '--since', 'yesterday'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^drill: --since takes an ISO time/) });
    expect(await drill(['list', '--cursor', 'not-a-cursor'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^drill: cursor: not a cursor this API gave out/) });
  });

  it('show prints why a drill failed: level, failed checks observed vs expected, and the step log', async () => {
    const planId = await env.savePlan({ name: 'cli needs many rows', engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.custom) }, checks: { minRows: 1_000_000 } });
    const run = await drill(['run', '--plan', planId, '--json']);
    expect(run.code).toBe(1);
    const { drillId } = JSON.parse(run.stdout);

    const show = await drill(['show', drillId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^Drill ${drillId}: FAILED at inspect$`, 'm'));
    expect(show.stdout).toContain(`plan     cli needs many rows (${planId}, version 1)`);
    expect(show.stdout).toMatch(/^  failure  level readable, step inspect$/m);
    expect(show.stdout).toMatch(/^    ✗ readable rows: only 4,617 row\(s\) in all tables, the plan requires at least 1,000,000\n      observed 4,617 row\(s\), 1 empty table\(s\)\n      expected >= 1,000,000$/m);
    expect(show.stdout).toMatch(/^  step log\n    locate passed after \S+\n    provision passed after \S+\n    restore passed after \S+\n    inspect failed after \S+: /m);
  });
});

describe('drill doctor', () => {
  type DoctorReport = { ok: boolean; checks: Array<{ check: string; status: string; detail: string }> };
  const statusOf = (report: DoctorReport, check: string) => report.checks.find((c) => c.check === check);

  it('says the installation is ready when Temporal, a worker, the API and the host are', async () => {
    const { code, stdout } = await drill(['doctor', '--json']);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(statusOf(report, 'temporal')).toMatchObject({ status: 'ok', detail: `${env.temporalAddress}, namespace "default", plain gRPC (no TLS)` });
    expect(statusOf(report, 'worker')).toMatchObject({ status: 'ok', detail: expect.stringMatching(new RegExp(`^\\d+ worker\\(s\\) polling "${env.taskQueue}": `)) });
    expect(statusOf(report, 'api')).toMatchObject({ status: 'ok', detail: `${api.url}: the API, its history database and its Temporal answer` });
    expect(statusOf(report, 'jail')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^bubblewrap \d+\.\d+/) });
    expect(report.checks.find((c) => c.check === 'sandbox disk' && c.status === 'ok')?.detail).toMatch(/^\d+\.\d GiB free under \//);
    const table = await drill(['doctor']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ready to run drills/m);
  });

  it('names what stops drills and exits 2: a task queue no worker polls, an API that is not there', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const { code, stdout } = await drill(['doctor', '--json'], { RESTORE_DRILL_TASK_QUEUE: `nobody-polls-${process.pid}`, RESTORE_DRILL_API: `http://127.0.0.1:${closedPort}` });
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(statusOf(report, 'temporal')?.status).toBe('ok');
    expect(statusOf(report, 'worker')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`no worker polls the task queue "nobody-polls-${process.pid}" for workflows: drills would wait; start one`) });
    expect(statusOf(report, 'api')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`cannot reach the API at http://127.0.0.1:${closedPort}`) });

    const unreachable = await drill(['doctor'], { TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stdout).toMatch(new RegExp(`^temporal\\s+fail\\s+cannot reach Temporal at 127\\.0\\.0\\.1:${closedPort}`, 'm'));
    expect(unreachable.stdout).toMatch(/^1 problem\(s\) stop drills here; fix the lines marked fail$/m);
  });
});

describe('drill login, user, token and audit', () => {
  it('logs in with a password file, keeps a 0600 token, manages users as a manager, and logs out', async () => {
    const config = fs.mkdtempSync(path.join(env.scratchDir, 'cli-config-'));
    const passwordFile = path.join(config, 'password');
    fs.writeFileSync(passwordFile, `${env.manager.password}\n`, { mode: 0o600 });
    const asLoggedIn = { XDG_CONFIG_HOME: config, RESTORE_DRILL_TOKEN: '' };
    const login = await drill(['login', '--email', env.manager.email, '--password-file', passwordFile], asLoggedIn);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^Signed in to ${api.url} as ${env.manager.email} \\(manager\\); token rdt_.{6}… stored in .*credentials\\.json, valid until \\d{4}-`));
    const file = path.join(config, 'restore-drill', 'credentials.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);

    const added = await drill(['user', 'add', 'cli-user@example.com'], asLoggedIn);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added cli-user@example\.com \(user\)\ninitial password \(shown once; .*\): [\w-]{24}$/m);
    expect((await drill(['user', 'role', 'cli-user@example.com', 'manager'], asLoggedIn)).stdout).toBe('cli-user@example.com is now a manager\n');
    const list = await drill(['user', 'list'], asLoggedIn);
    expect(list.stdout).toMatch(/^cli-user@example\.com\s+manager\s+active\s+yes\s+/m);
    const audit = await drill(['audit', '--action', 'users.'], asLoggedIn);
    expect(audit.stdout).toMatch(new RegExp(`users\\.role\\s+cli-user@example\\.com\\s+ok`));
    expect((await drill(['token', 'list'], asLoggedIn)).stdout).toMatch(/cli \S+\s+rdt_/);

    const logout = await drill(['logout'], asLoggedIn);
    expect(logout.stdout).toBe(`Logged out of ${api.url}: token revoked and forgotten\n`);
    const after = await drill(['user', 'list'], asLoggedIn);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/sign in first: .*\(run `drill login`, or set RESTORE_DRILL_TOKEN\)/);

    const wrong = path.join(config, 'wrong');
    fs.writeFileSync(wrong, 'not the right password\n');
    const refused = await drill(['login', '--email', env.manager.email, '--password-file', wrong], asLoggedIn);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('drill: wrong email or password\n');
  });
});
