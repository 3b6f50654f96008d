/**
 * Physical backups: real pg_basebackup output of a real server (tar with pg_wal.tar, gzip or not,
 * and plain), restored by starting a server of the backup's major on it. A base backup without
 * its WAL, or cut short, fails with the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillResult } from '../../core/drill.js';
import { loadConfig } from '../../core/config.js';
import { PostgresInstallations } from '../../activities/engines/postgres/installations.js';
import type { PostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { FIXTURE_TABLES, makeFixtures } from '../support/fixtures.js';
import { postgresRequest, sandboxLeftovers, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { startScratchPostgres, type ScratchPostgres } from '../support/scratch-postgres.js';

const execFileAsync = promisify(execFile);
const MAJOR = 17;

let env: DrillTestEnv;
useDrillTestEnv('basebackup', (created) => (env = created));

const config = loadConfig();
let server: ScratchPostgres;
let bins: PostgresBinaries;
let backupsDir: string;

async function baseBackup(name: string, args: string[]): Promise<string> {
  const out = path.join(backupsDir, name);
  await execFileAsync(bins.path('pg_basebackup'), ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-D', out, '--checkpoint=fast', ...args]);
  return out;
}

beforeAll(async () => {
  const installs = new PostgresInstallations({ configuredBinDirs: config.postgresBinDir, toolsDir: config.toolsDir, installOnNeed: false });
  const install = await installs.forMajor(MAJOR);
  if (!install) throw new Error(`PostgreSQL ${MAJOR} is not installed: run \`npm run setup\``);
  bins = install;
  server = await startScratchPostgres(bins, fs.mkdtempSync(path.join(os.tmpdir(), 'basebackup-source-')), ['wal_level=replica', 'max_wal_senders=4']);
  await makeFixtures(server.adminUrl, fs.mkdtempSync(path.join(os.tmpdir(), 'basebackup-dumps-')), bins);
  backupsDir = fs.mkdtempSync(path.join(env.scratchDir, 'basebackups-'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

function countsOf(result: DrillResult): Record<string, number> {
  return Object.fromEntries(result.tables.filter((t) => t.database === 'fixture_source').map((t) => [`${t.schema}.${t.name}`, t.rows]));
}

describe('pg_basebackup drills', () => {
  it.each([
    ['tar with pg_wal.tar', ['-Ft', '-X', 'stream'], 'pg_basebackup tar with pg_wal'],
    ['tar, gzip', ['-Ft', '-z', '-X', 'stream'], 'pg_basebackup tar (gzip) with pg_wal'],
    ['plain directory', ['-Fp', '-X', 'stream'], 'pg_basebackup plain directory'],
  ] as const)('%s restores on a server of its own major and passes with exact counts', async (label, args, observedFormat) => {
    const dir = await baseBackup(label.replace(/\W+/g, '-'), [...args]);
    const result = await env.runDrill(postgresRequest(dir));
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(result.format).toBe('basebackup');
    expect(result.checks.find((c) => c.name === 'format')?.observed).toBe(observedFormat);
    expect(result.checks.find((c) => c.name === 'checksum')?.message).toMatch(/matches its backup_manifest/);
    expect(result.checks.find((c) => c.name === 'producer')?.message).toContain(`restored with PostgreSQL ${bins.version}`);
    expect(countsOf(result)).toEqual(FIXTURE_TABLES);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('a tar base backup without its WAL fails: it cannot reach a consistent state', async () => {
    const dir = await baseBackup('no-wal', ['-Ft', '-X', 'none', '--no-manifest']);
    const result = await env.runDrill(postgresRequest(dir));
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe('restore');
    expect(result.reason).toMatch(/the base backup cannot be brought to a consistent state: .*the WAL it needs is missing or damaged/);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('a tar base backup cut short fails, and so does one whose files differ from its manifest', async () => {
    const cut = await baseBackup('cut', ['-Ft', '-z', '-X', 'stream']);
    const base = path.join(cut, 'base.tar.gz');
    fs.truncateSync(base, Math.floor(fs.statSync(base).size / 2));
    const cutResult = await env.runDrill(postgresRequest(cut));
    expect(cutResult.outcome).toBe('failed');
    expect(cutResult.reason).toMatch(/base\.tar\.gz cannot be unpacked .*: the base backup is cut short or damaged/);

    const changed = await baseBackup('changed', ['-Fp', '-X', 'stream']);
    fs.appendFileSync(path.join(changed, 'PG_VERSION'), '\n');
    const changedResult = await env.runDrill(postgresRequest(changed));
    expect(changedResult.outcome).toBe('failed');
    expect(changedResult.reason).toMatch(/the base backup does not match its backup_manifest: .*PG_VERSION/);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('a hostile base backup cannot reach outside the sandbox: a pg_wal link is refused, postgresql.auto.conf does not apply', async () => {
    // base.tar whose pg_wal is a link to a directory outside the sandbox.
    const linked = await baseBackup('linked', ['-Ft', '-X', 'stream', '--no-manifest']);
    const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-base-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-target-'));
    await execFileAsync('tar', ['-x', '-f', path.join(linked, 'base.tar'), '-C', unpacked]);
    fs.rmSync(path.join(unpacked, 'pg_wal'), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(unpacked, 'pg_wal'));
    await execFileAsync('tar', ['-c', '-f', path.join(linked, 'base.tar'), '-C', unpacked, ...fs.readdirSync(unpacked)]);
    const result = await env.runDrill(postgresRequest(linked));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/holds a symbolic link \(pg_wal\)|pg_wal is not a directory/);
    expect(fs.statSync(outside).uid).toBe(process.getuid!());
    expect(fs.readdirSync(outside)).toEqual([]);

    // postgresql.auto.conf that would run a command when the server starts.
    const configured = await baseBackup('auto-conf', ['-Fp', '-X', 'stream', '--no-manifest']);
    const marker = path.join(os.tmpdir(), `pwned-${process.pid}-${Date.now()}`);
    fs.appendFileSync(path.join(configured, 'postgresql.auto.conf'), `ssl = on\nssl_passphrase_command = 'touch ${marker}'\nssl_passphrase_command_supports_reload = on\nsession_preload_libraries = 'nonexistent_library'\n`);
    const started = await env.runDrill(postgresRequest(configured));
    expect(started.reason).toBeNull();
    expect(started.outcome).toBe('passed');
    expect(fs.existsSync(marker)).toBe(false);
    fs.rmSync(unpacked, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it("runs the plan's assertions in the plan's database of the physical copy", async () => {
    const dir = await baseBackup('assert', ['-Ft', '-X', 'stream']);
    const result = await env.runDrill(postgresRequest(dir, { database: 'fixture_source', checks: { assertions: [{ name: 'orders', sql: 'SELECT count(*) FROM public.orders', expect: '== 3400' }] } }));
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(result.checks.find((c) => c.name.startsWith('assertion'))?.passed).toBe(true);
  });
});
