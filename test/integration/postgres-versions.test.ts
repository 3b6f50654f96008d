/**
 * Sound dumps of every supported PostgreSQL major, made at test time by that major's own server
 * and pg_dump, pass with exact counts, each restored by the major that made it. A dump from a
 * major with no tools ends as `error` saying what to install; an older one restores into the
 * oldest newer major and says so.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillResult } from '../../core/drill.js';
import { PostgresInstallations } from '../../activities/engines/postgres/installations.js';
import { chooseServer } from '../../activities/engines/postgres/server-choice.js';
import { readInstallation, type PostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { startPostgresServer } from '../../activities/engines/postgres/server.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import { loadConfig, PROJECT_ROOT } from '../../core/config.js';
import { FIXTURE_FILES, FIXTURE_TABLES, makeFixtures } from '../support/fixtures.js';
import { postgresRequest, sandboxLeftovers, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { startScratchPostgres, type ScratchPostgres } from '../support/scratch-postgres.js';

const execFileAsync = promisify(execFile);
const MAJORS = [14, 16, 17, 18] as const;
const FORMATS = [
  ['custom', FIXTURE_FILES.custom],
  ['directory', FIXTURE_FILES.directory],
  ['tar', FIXTURE_FILES.tar],
  ['plain', FIXTURE_FILES.plain],
  ['plain, gzip', FIXTURE_FILES.plainGzip],
] as const;

let env: DrillTestEnv;
useDrillTestEnv('pg-versions', (created) => (env = created));

const config = loadConfig();
const installations = new PostgresInstallations({ configuredBinDirs: config.postgresBinDir, toolsDir: config.toolsDir, installOnNeed: false });
const servers: ScratchPostgres[] = [];
const bins = new Map<number, PostgresBinaries>();
const dumpsOf = (major: number) => path.join(env.scratchDir, `pg-versions-${major}`);

beforeAll(async () => {
  for (const major of MAJORS) {
    const install = await installations.forMajor(major);
    if (!install) throw new Error(`PostgreSQL ${major} is not installed: run \`npm run setup\``);
    bins.set(major, install);
  }
  await Promise.all(
    MAJORS.map(async (major) => {
      const server = await startScratchPostgres(bins.get(major)!, fs.mkdtempSync(path.join(os.tmpdir(), `pg${major}-source-`)));
      servers.push(server);
      await makeFixtures(server.adminUrl, dumpsOf(major), bins.get(major));
    }),
  );
}, 180_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
});

function countsOf(result: DrillResult): Record<string, number> {
  return Object.fromEntries(result.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
}

function producerMessage(result: DrillResult): string {
  return result.checks.find((c) => c.name === 'producer')?.message ?? '';
}

describe('PostgreSQL 14–18 dumps, each restored by its own major', () => {
  it.each(MAJORS.flatMap((major) => FORMATS.map(([format, file]) => [major, format, file] as const)))('PostgreSQL %i, %s format: passes with exact counts', async (major, _format, file) => {
    const result = await env.runDrill(postgresRequest(path.join(dumpsOf(major), file)));
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(countsOf(result)).toEqual(FIXTURE_TABLES);
    expect(producerMessage(result)).toContain(`restored with PostgreSQL ${bins.get(major)!.version} `);
    expect(result.checks.find((c) => c.name === 'producer')?.observed).toMatch(new RegExp(`^PostgreSQL ${major}\\.\\d+ server, by pg_dump ${major}\\.\\d+`));
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it("starts the plan's declared major before the dump is read, and still checks the dump against it", async () => {
    const matching = await env.runDrill(postgresRequest(path.join(dumpsOf(17), FIXTURE_FILES.custom), { engineVersion: '17' }));
    expect(matching.outcome).toBe('passed');
    expect(producerMessage(matching)).toContain(`restored with PostgreSQL ${bins.get(17)!.version} `);

    const mismatched = await env.runDrill(postgresRequest(path.join(dumpsOf(18), FIXTURE_FILES.custom), { engineVersion: '16' }));
    expect(mismatched.outcome).toBe('failed');
    expect(mismatched.reason).toMatch(/taken from PostgreSQL 18\.\d+ .*but the plan says its backups come from PostgreSQL 16/);
  });

  it('a dump from a major with no tools here ends as error naming what to install, never failed', async () => {
    const plain = fs.readFileSync(path.join(dumpsOf(18), FIXTURE_FILES.plain), 'utf8').replace(/(Dumped (?:from database|by pg_dump) version )18\.(\d+)/g, '$119.$2');
    const file = path.join(env.scratchDir, 'pg19.sql');
    fs.writeFileSync(file, plain);
    const plainResult = await env.runDrill(postgresRequest(file));
    expect(plainResult.outcome).toBe('error');
    expect(plainResult.reason).toMatch(/PostgreSQL 19 tools are not installed \(installed here: 18, 17, 16, 15, 14\), and the dump \(pg_dump 19\.\d+, from a 19\.\d+ server\) needs them: install PostgreSQL 19 and add its bin directory to RESTORE_DRILL_PG_BIN, or use an ecs sandbox with a PostgreSQL 19 image/);

    // The archive header carries the same version strings (same length, so offsets hold).
    const custom = fs.readFileSync(path.join(dumpsOf(18), FIXTURE_FILES.custom));
    const header = custom.subarray(0, 512).toString('latin1').replace(/18\.(\d)/g, '19.$1');
    custom.write(header, 0, 'latin1');
    const customFile = path.join(env.scratchDir, 'pg19.dump');
    fs.writeFileSync(customFile, custom);
    const customResult = await env.runDrill(postgresRequest(customFile));
    expect(customResult.outcome).toBe('error');
    expect(customResult.reason).toMatch(/PostgreSQL 19 tools are not installed/);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('a dump older than every installed major restores into the oldest newer one and says so', async () => {
    const plain = fs.readFileSync(path.join(dumpsOf(14), FIXTURE_FILES.plain), 'utf8').replace(/(Dumped (?:from database|by pg_dump) version )14\.\d+/g, '$112.22');
    const file = path.join(env.scratchDir, 'pg12.sql');
    fs.writeFileSync(file, plain);
    const result = await env.runDrill(postgresRequest(file));
    expect(result.outcome).toBe('passed');
    expect(countsOf(result)).toEqual(FIXTURE_TABLES);
    expect(producerMessage(result)).toMatch(new RegExp(`restored with PostgreSQL ${bins.get(14)!.version.replace('.', '\\.')} .*PostgreSQL 12 tools are not installed; restored with PostgreSQL 14\\.\\d+, which loads dumps of older versions`));
  });
});

describe('a tools folder the sandbox account cannot reach', () => {
  // Only a root worker hands sandboxes to another account (CI runs as root).
  it.skipIf(process.getuid?.() !== 0)('ends with an error naming the folder and the way out, not a spawn failure', async () => {
    const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'private-tools-'));
    fs.chmodSync(privateDir, 0o700);
    fs.cpSync(path.dirname(bins.get(16)!.binDir), path.join(privateDir, '16'), { recursive: true, verbatimSymlinks: true });
    const install = (await readInstallation(path.join(privateDir, '16', 'bin'), 'project'))!;
    const sandbox = await createLocalSandbox('private-tools', 'postgres', { hostTaskQueue: 'test', rootDir: env.sandboxRoot });
    try {
      expect(sandbox.uid).not.toBe(0);
      await expect(startPostgresServer(sandbox, install)).rejects.toThrow(/PostgreSQL 16\.\d+ in .*private-tools-.* cannot be run by the sandbox account \(uid \d+\): a directory above it is private\. Put the tools folder somewhere that account can read/);
    } finally {
      await removeLocalSandbox(sandbox);
      fs.rmSync(privateDir, { recursive: true, force: true });
    }
  });
});

describe('installing a pinned major', () => {
  it('installs a missing major on first need into the tools folder, verified by its pinned checksum', async () => {
    const toolsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-drill-tools-'));
    fs.chmodSync(toolsDir, 0o755);
    try {
      const fresh = new PostgresInstallations({ toolsDir, installOnNeed: true });
      // 14 is not a Debian package here, so only the install can provide it in this tools folder.
      expect((await fresh.list()).some((install) => install.major === 14 && install.binDir.startsWith(toolsDir))).toBe(false);
      const choice = await chooseServer({ major: 14, from: 'the test' }, fresh);
      expect(choice.bins.binDir).toBe(path.join(toolsDir, 'postgres', '14', 'bin'));
      expect(choice.bins.origin).toBe('project');
      expect(choice.bins.version).toMatch(/^14\.\d+$/);
      expect(choice.note).toBe('PostgreSQL 14 tools were installed for this dump');
      expect(fs.readFileSync(path.join(toolsDir, 'postgres', '14', '.restore-drill-build'), 'utf8')).toMatch(/^14\.\d+\.\d+ [0-9a-f]{64}\n$/);
    } finally {
      fs.rmSync(toolsDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('without installing on need, a pinned but missing major is an error with the setup command', async () => {
    const toolsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-drill-tools-'));
    try {
      const offline = new PostgresInstallations({ configuredBinDirs: '/nonexistent/bin', toolsDir, installOnNeed: false });
      const newest = (await offline.list())[0]!.major;
      const missing = offline.pinnedBuilds().map((build) => build.major).find((major) => major > newest);
      // The tools folder is empty, so a pinned major newer than every system package is missing.
      expect(missing).toBeDefined();
      await expect(chooseServer({ major: missing!, from: 'the dump' }, offline)).rejects.toThrow(new RegExp(`run \`RESTORE_DRILL_PG_MAJORS=${missing} npm run setup\` on the worker host, or use an ecs sandbox`));
    } finally {
      fs.rmSync(toolsDir, { recursive: true, force: true });
    }
  });
});

describe('drill engines', () => {
  const DRILL_BIN = path.join(PROJECT_ROOT, 'cli', 'bin.js');

  it('lists every installed PostgreSQL major, the MariaDB servers (packaged, and 11.4 in the tools folder), the MongoDB server, and refuses to install an unpinned major', async () => {
    const { stdout } = await execFileAsync(process.execPath, [DRILL_BIN, 'engines', '--json']);
    const rows = JSON.parse(stdout) as Array<{ engine: string; version: string; status: string; where: string }>;
    const postgresMajors = rows.filter((r) => r.engine === 'postgres' && r.status === 'installed').map((r) => Number(r.version.split('.')[0]));
    expect(postgresMajors).toEqual([18, 17, 16, 15, 14]);
    expect(rows.find((r) => r.engine === 'postgres' && r.version.startsWith('17.'))?.where).toBe(`${bins.get(17)!.binDir} (${bins.get(17)!.origin})`);
    expect(rows.find((r) => r.engine === 'mysql')).toMatchObject({ status: 'installed', version: expect.stringMatching(/^\d+\.\d+\.\d+-MariaDB/) });
    expect(rows.find((r) => r.engine === 'mysql' && r.version.startsWith('11.4.'))).toEqual({ engine: 'mysql', version: expect.stringMatching(/^11\.4\.\d+-MariaDB$/), status: 'installed', where: `${path.join(config.toolsDir, 'mariadb', '11.4')} (tools folder)` });
    expect(rows.find((r) => r.engine === 'mongodb')?.status).toBe('installed');
    expect(rows.find((r) => r.engine === 'jail')).toMatchObject({ status: 'installed', version: expect.stringMatching(/^bubblewrap \d+\.\d+/) });
    // CI runs as root: one account per sandbox slot, another for the history database.
    const accounts = process.getuid?.() === 0 ? { status: 'installed', version: 'rd-history, rd-template, rd-sandbox-1…8' } : { status: 'installed' };
    expect(rows.find((r) => r.engine === 'accounts')).toMatchObject(accounts);
    expect(rows.find((r) => r.engine === 'sandboxes')).toMatchObject({ status: 'installed', version: expect.stringMatching(/^\d+ of 8 in use$/) });

    const refused = await execFileAsync(process.execPath, [DRILL_BIN, 'engines', 'install', '19']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no pinned PostgreSQL 19 build for this machine: install it yourself and add its bin directory to RESTORE_DRILL_PG_BIN/);
  });
});
