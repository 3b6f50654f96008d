/**
 * A `file` source never reads Restore Drill's own secrets or the system's live trees, however the
 * path is spelled (links resolved first), and only under RESTORE_DRILL_FILE_ROOTS when that is set.
 * A file that is not a dump is described by its kind, never quoted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { postgresRequest, scratchCopy, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('confinement', (created) => (env = created));

afterEach(() => {
  delete process.env.RESTORE_DRILL_FILE_ROOTS;
});

describe('file sources are confined', () => {
  it("refuses Restore Drill's data and tools folders and /proc, also through a link, as an error naming the folder", async () => {
    const config = loadConfig();
    fs.mkdirSync(config.dataDir, { recursive: true });
    const key = path.join(config.dataDir, `confinement-test-${process.pid}.key`);
    fs.writeFileSync(key, 'SECRET-KEY-MATERIAL-0123456789abcdef\n', { mode: 0o600 });
    const link = path.join(env.scratchDir, `innocent-${process.pid}.sql`);
    fs.symlinkSync(key, link);
    try {
      const direct = await env.runDrill(postgresRequest(key));
      expect(direct.outcome).toBe('error');
      expect(direct.reason).toContain(`the backup path ${key} lies in Restore Drill's own data folder`);
      const viaLink = await env.runDrill(postgresRequest(link));
      expect(viaLink.outcome).toBe('error');
      expect(viaLink.reason).toContain(`the backup path ${link} resolves to ${fs.realpathSync(key)}, which lies in Restore Drill's own data folder`);
      const tools = await env.runDrill(postgresRequest(path.join(config.toolsDir, 'bin', 'temporal')));
      expect(tools.reason).toMatch(/lies in Restore Drill's tools folder/);
      const environ = await env.runDrill(postgresRequest('/proc/self/environ'));
      expect(environ.outcome).toBe('error');
      expect(environ.reason).toMatch(/resolves to \/proc\/\d+\/environ, which lies in the system's \/proc/);
      for (const result of [direct, viaLink]) expect(JSON.stringify(result)).not.toContain('SECRET-KEY-MATERIAL');
    } finally {
      fs.rmSync(link, { force: true });
      fs.rmSync(key, { force: true });
    }
  });

  it('with RESTORE_DRILL_FILE_ROOTS, reads backups under those roots only', async () => {
    const allowed = fs.mkdtempSync(path.join(env.scratchDir, 'backups-'));
    const inside = path.join(allowed, 'good.custom.dump');
    fs.copyFileSync(env.fixture(FIXTURE_FILES.custom), inside);
    const outside = scratchCopy(env, FIXTURE_FILES.custom, 'outside.dump');
    process.env.RESTORE_DRILL_FILE_ROOTS = `/nonexistent-root${path.delimiter}${allowed}`;
    expect((await env.runDrill(postgresRequest(inside))).outcome).toBe('passed');
    const refused = await env.runDrill(postgresRequest(outside));
    expect(refused.outcome).toBe('error');
    expect(refused.reason).toContain(`the backup path ${outside} is outside the folders this worker may read backups from (RESTORE_DRILL_FILE_ROOTS=/nonexistent-root:${allowed})`);
  });

  it('never reads a checksum sidecar through a link, nor quotes what a sidecar holds', async () => {
    const canary = `CANARY-${Date.now()}`;
    const secret = path.join(env.scratchDir, `secret-${Date.now()}`);
    fs.writeFileSync(secret, canary, { mode: 0o600 });
    const linked = scratchCopy(env, FIXTURE_FILES.custom, 'linked-sidecar.dump');
    fs.symlinkSync(secret, `${linked}.sha256`);
    const viaLink = await env.runDrill(postgresRequest(linked));
    expect(viaLink.outcome).toBe('failed');
    expect(viaLink.reason).toMatch(/the sidecar .*\.sha256 cannot be read as a checksum file \(it is a symbolic link\)/);

    const garbage = scratchCopy(env, FIXTURE_FILES.custom, 'garbage-sidecar.dump');
    fs.writeFileSync(`${garbage}.sha256`, `${canary}  garbage-sidecar.dump\n`);
    const quoted = await env.runDrill(postgresRequest(garbage));
    expect(quoted.outcome).toBe('failed');
    expect(quoted.checks.find((c) => c.name === 'checksum')?.observed).toMatch(/^a sidecar of \d+ byte\(s\) whose first word is not 64 hex digits$/);
    const record = JSON.stringify([viaLink, quoted]) + JSON.stringify(await env.query('SELECT * FROM drill_checks'));
    expect(record).not.toContain(canary);
  });

  it('describes a text file that is not a dump by its kind, never by its content', async () => {
    const file = path.join(env.scratchDir, `notes-${process.pid}.txt`);
    fs.writeFileSync(file, 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = eu-west-1\n');
    const result = await env.runDrill(postgresRequest(file));
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('[restorable] not a PostgreSQL dump: the file is a text file that does not start like SQL (none of its first 2 line(s) is a SQL statement)');
    expect(JSON.stringify(result)).not.toContain('wJalrXUtnFEMI');
  });
});
