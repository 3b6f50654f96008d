/**
 * Faults of the sandbox are not verdicts on the backup: a sandbox whose disk fills up, or whose
 * server is killed in the middle of a restore, is retried and, if it cannot finish, ends as
 * `error` saying so; never as `failed`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BSON } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { FIXTURE_TABLES } from '../support/fixtures.js';
import { MONGO_FIXTURE_FILES } from '../support/mongo-fixtures.js';
import { MYSQL_FIXTURE_FILES } from '../support/mysql-fixtures.js';
import { postgresRequest, sandboxLeftovers, scratchCopy, slowPlainDump, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('faults', (created) => (env = created));

/** A sound plain dump whose one table needs ~300 MB: more than the small sandbox disk holds. */
function bigDump(): string {
  const file = scratchCopy(env, 'good.sql', 'big.sql');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('-- PostgreSQL database dump complete', "CREATE TABLE public.big AS SELECT g AS id, repeat('x', 1000) AS filler FROM generate_series(1, 300000) AS g;\n\n-- PostgreSQL database dump complete"));
  return file;
}

/**
 * A sound mongodump --gzip directory of 250,000 documents of 1 KB filler: a few hundred KB on disk,
 * about 250 MB once restored, more than the small sandbox disk holds.
 */
function bigMongoDumpDirectory(): string {
  const dir = path.join(env.scratchDir, 'big-mongo-dump');
  fs.mkdirSync(path.join(dir, 'shop'), { recursive: true });
  const filler = 'x'.repeat(1000);
  const documents = Array.from({ length: 250_000 }, (_, i) => Buffer.from(BSON.serialize({ _id: i, filler })));
  fs.writeFileSync(path.join(dir, 'shop', 'big.bson.gz'), gzipSync(Buffer.concat(documents)));
  fs.writeFileSync(path.join(dir, 'shop', 'big.metadata.json.gz'), gzipSync(JSON.stringify({ indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }], collectionName: 'big', type: 'collection' })));
  return dir;
}

describe('sandbox faults', () => {
  describe('on a sandbox disk of 120 MB', () => {
    beforeAll(() => {
      // The env's worker keeps its sandboxes here: a size-limited file system under it.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=120m,mode=0755', 'restore-drill-test-small', env.sandboxRoot]);
    });
    afterAll(() => {
      execFileSync('umount', ['-l', env.sandboxRoot]);
    });

    it('a backup bigger than the free disk is refused before any sandbox is made, as error saying what to change', async () => {
      // 80 MB of comments: with the 64 MiB reserve, more than the 120 MB disk can take.
      const file = scratchCopy(env, 'good.sql', 'padded.sql');
      fs.appendFileSync(file, `-- ${'x'.repeat(1024 * 1024 - 4)}\n`.repeat(80));
      const result = await env.runDrill(postgresRequest(file));
      expect(result.outcome).toBe('error');
      expect(result.failedStep).toBe('provision');
      expect(result.reason).toMatch(/not enough disk for this sandbox: [\d.]+ [KMG]i?B free under .*, about [\d.]+ [KMG]i?B needed \(the backup's size and a reserve\)\. Free space there or point RESTORE_DRILL_SANDBOX_DIR at a larger disk/);
      expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
    });

    it('a MongoDB sandbox whose disk fills up ends as error naming it, never as failed', async () => {
      const result = await env.runDrill({ engine: 'mongodb', source: { kind: 'file', path: bigMongoDumpDirectory() } });
      expect(result.outcome).toBe('error');
      // FerretDB's SQLite fills the disk; the retry then finds no room even for its own record.
      expect(result.reason).toMatch(/the sandbox failed under the restore, not the backup: .*(database or disk is full|its disk is full).*give the sandbox more disk or memory/);
      expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
    });

    it('a full disk ends the drill as error naming it, never as failed', async () => {
      const result = await env.runDrill(postgresRequest(bigDump()));
      expect(result.outcome).toBe('error');
      expect(result.reason).toMatch(/the sandbox failed under the restore, not the backup: .*(No space left on device|could not extend file).*give the sandbox more disk or memory/);
      expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
    });
  });

  it('a dump that only claims the disk is full (RAISE, SIGNAL) is judged on its error, as failed, not taken for a sandbox fault', async () => {
    const claim = 'could not extend file "base/1/2": No space left on device';
    const postgresDump = scratchCopy(env, 'good.sql', 'raises-disk-full.sql');
    const text = fs.readFileSync(postgresDump, 'utf8');
    fs.writeFileSync(postgresDump, text.replace('-- PostgreSQL database dump complete', () => `DO $$BEGIN RAISE EXCEPTION '${claim}'; END$$;\n\n-- PostgreSQL database dump complete`));
    const postgresResult = await env.runDrill(postgresRequest(postgresDump));
    expect(postgresResult.outcome).toBe('failed');
    expect(postgresResult.reason).toContain(`psql reported 1 error(s): ${claim}`);

    // The words in a table's name, and a dump that ends its own session: the server says neither.
    const named = scratchCopy(env, 'good.sql', 'names-disk-full.sql');
    fs.writeFileSync(named, fs.readFileSync(named, 'utf8').replace('-- PostgreSQL database dump complete', () => 'SELECT * FROM "could not extend file: No space left on device";\n\n-- PostgreSQL database dump complete'));
    const namedResult = await env.runDrill(postgresRequest(named));
    expect(namedResult.outcome).toBe('failed');
    expect(namedResult.reason).toMatch(/psql reported 1 error\(s\): relation "could not extend file: No space left on device" does not exist/);
    const terminated = scratchCopy(env, 'good.sql', 'ends-own-session.sql');
    fs.writeFileSync(terminated, fs.readFileSync(terminated, 'utf8').replace('-- PostgreSQL database dump complete', () => 'SELECT pg_terminate_backend(pg_backend_pid());\n\n-- PostgreSQL database dump complete'));
    const terminatedResult = await env.runDrill(postgresRequest(terminated));
    expect(terminatedResult.outcome).toBe('failed');
    expect(terminatedResult.reason).toMatch(/the dump ended its own restore session \(the server kept running and reports no crash\)/);

    const mysqlDump = scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'signals-disk-full.sql');
    const mysqlText = fs.readFileSync(mysqlDump, 'utf8');
    const trailer = mysqlText.lastIndexOf('-- Dump completed');
    expect(trailer).toBeGreaterThan(0);
    fs.writeFileSync(mysqlDump, `${mysqlText.slice(0, trailer)}DELIMITER ;;\nCREATE PROCEDURE claim_disk_full() BEGIN SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = 'No space left on device'; END;;\nDELIMITER ;\nCALL claim_disk_full();\n${mysqlText.slice(trailer)}`);
    const mysqlResult = await env.runDrill({ engine: 'mysql', source: { kind: 'file', path: mysqlDump } });
    expect(mysqlResult.outcome).toBe('failed');
    expect(mysqlResult.reason).toMatch(/No space left on device/);
    expect(mysqlResult.reason).not.toMatch(/the sandbox failed under the restore/);

    const namedTable = scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'names-disk-full.sql');
    const namedText = fs.readFileSync(namedTable, 'utf8');
    const namedAt = namedText.lastIndexOf('-- Dump completed');
    fs.writeFileSync(namedTable, `${namedText.slice(0, namedAt)}SELECT * FROM \`No space left on device\`;\n${namedText.slice(namedAt)}`);
    const namedTableResult = await env.runDrill({ engine: 'mysql', source: { kind: 'file', path: namedTable } });
    expect(namedTableResult.outcome).toBe('failed');
    expect(namedTableResult.reason).toMatch(/No space left on device' doesn't exist/);

    // A sound MongoDB dump with a collection named after the words passes.
    const mongoDir = path.join(env.scratchDir, `enospc-collection-${Date.now()}`);
    fs.cpSync(env.fixture(MONGO_FIXTURE_FILES.directory), mongoDir, { recursive: true });
    const database = fs.readdirSync(mongoDir, { withFileTypes: true }).find((entry) => entry.isDirectory())!.name;
    fs.writeFileSync(path.join(mongoDir, database, 'ENOSPC.bson'), Buffer.concat([1, 2, 3].map((i) => Buffer.from(BSON.serialize({ _id: i })))));
    fs.writeFileSync(path.join(mongoDir, database, 'ENOSPC.metadata.json'), JSON.stringify({ indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }], collectionName: 'ENOSPC', type: 'collection' }));
    const mongoResult = await env.runDrill({ engine: 'mongodb', source: { kind: 'file', path: mongoDir } });
    expect(mongoResult.reason).toBeNull();
    expect(mongoResult.tables.find((t) => t.name === 'ENOSPC')?.rows).toBe(3);
  });

  it('a sandbox server killed in the middle of a restore is retried, and the sound backup passes', async () => {
    const handle = await env.startDrill(postgresRequest(slowPlainDump(env, 6)));
    // The server starts in the restore step; the dump's 6-second sleep keeps the restore going.
    let jailPid: number | undefined;
    for (let i = 0; i < 300 && jailPid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      for (const dir of fs.existsSync(env.sandboxRoot) ? fs.readdirSync(env.sandboxRoot) : []) {
        const pidFile = path.join(env.sandboxRoot, dir, 'work', 'postgres-jail.pid');
        // "bwrap-pid init-pid": the jail's init is pid 1 of its namespace, whose death ends the server.
        if (fs.existsSync(pidFile)) jailPid = Number(fs.readFileSync(pidFile, 'utf8').trim().split(/\s+/).at(-1));
      }
    }
    await new Promise((r) => setTimeout(r, 2500));
    expect(jailPid, 'the jailed server of the running restore').toBeDefined();
    process.kill(jailPid!, 'SIGKILL');
    const result = await awaitDrillResult(handle.result());
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(Object.fromEntries(result.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]))).toEqual(FIXTURE_TABLES);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });
});
