import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../api/server.js';
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
  api = await startApiServer({ db: env.history.db, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

async function drill(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [DRILL_BIN, ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.temporalAddress, RESTORE_DRILL_TASK_QUEUE: env.taskQueue, RESTORE_DRILL_API: api.url, ...extraEnv },
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
});
