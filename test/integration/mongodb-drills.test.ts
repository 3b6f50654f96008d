import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { findMongoBinaries } from '../../activities/engines/mongodb/binaries.js';
import { MONEY_COLLECTION, moneyDumpArchive, moneyDumpDirectory } from '../support/mongo-money-dump.js';
import type { DrillRequest } from '../../core/drill.js';
import { MONGO_FIXTURE_COLLECTIONS, MONGO_FIXTURE_FILES } from '../support/mongo-fixtures.js';
import { useDrillTestEnv, sandboxLeftovers, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('mongodb', (created) => (env = created));

const mongoRequest = (file: string, extra: Partial<DrillRequest> = {}): DrillRequest => ({ engine: 'mongodb', source: { kind: 'file', path: file }, ...extra });

describe('MongoDB drills', () => {
  it.each([
    ['mongodump archive', MONGO_FIXTURE_FILES.archive, 'archive'],
    ['mongodump archive, gzip', MONGO_FIXTURE_FILES.archiveGzip, 'archive'],
    ['mongodump directory', MONGO_FIXTURE_FILES.directory, 'directory'],
  ] as const)('%s passes with exact document counts', async (_label, file, format) => {
    const result = await env.runDrill(mongoRequest(env.fixture(file)));
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(result.format).toBe(format);
    expect(Object.fromEntries(result.tables.map((t) => [`${t.database}.${t.name}`, t.rows]))).toEqual(MONGO_FIXTURE_COLLECTIONS);
    expect(result.totalRows).toBe(1030);
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    const names = result.checks.map((c) => c.name);
    for (const name of ['format', 'producer', 'restore', 'readable', 'tables', 'rows']) expect(names).toContain(name);
    if (format === 'archive') expect(names).toContain('complete');
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  describe('a sound dump holding Decimal128 money values', () => {
    const server = findMongoBinaries().server.kind;
    const moneyCounts = { ...MONGO_FIXTURE_COLLECTIONS, [`${MONEY_COLLECTION.database}.${MONEY_COLLECTION.collection}`]: MONEY_COLLECTION.documents };

    it.each([
      ['directory', () => moneyDumpDirectory(env.fixture(MONGO_FIXTURE_FILES.directory), path.join(env.scratchDir, 'money-dir')), 'directory'],
      ['archive', () => moneyDumpArchive(path.join(env.scratchDir, 'money.archive'), '7.0.14'), 'archive'],
    ] as const)(`%s: ${server === 'mongod' ? 'passes on the real mongod' : "ends as error naming Decimal128 and the way out (FerretDB can't store it)"}`, async (_label, make, format) => {
      const result = await env.runDrill(mongoRequest(make()));
      if (server === 'mongod') {
        expect(result.reason).toBeNull();
        expect(result.outcome).toBe('passed');
        const counts = Object.fromEntries(result.tables.map((t) => [`${t.database}.${t.name}`, t.rows]));
        expect(counts).toEqual(format === 'directory' ? moneyCounts : { 'shop.prices': MONEY_COLLECTION.documents });
      } else {
        expect(result.outcome).toBe('error');
        expect(result.failedStep).toBe('restore');
        expect(result.reason).toContain(
          'collection shop.prices holds Decimal128 values, which the FerretDB sandbox server cannot store, so this drill cannot judge the backup: put a real mongod on PATH (or set RESTORE_DRILL_MONGOD) on the worker host, or use an ecs sandbox with a mongo image',
        );
      }
      expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
    });
  });

  // Bad MongoDB backups are cases of the bad-backup corpus (bad-backup-corpus.test.ts).

  it('a dump directory holding a link to a host file ends as error naming the link, and the file is never read', async () => {
    const dir = path.join(env.scratchDir, `linked-dir-${randomBytes(3).toString('hex')}`);
    fs.cpSync(env.fixture(MONGO_FIXTURE_FILES.directory), dir, { recursive: true });
    const canary = `canary-${randomBytes(6).toString('hex')}`;
    // A BSON document holding the canary: read and restored, it would show up in the drill's counts.
    const planted = path.join(env.scratchDir, `planted-${randomBytes(3).toString('hex')}.bson`);
    fs.writeFileSync(planted, BSON.serialize({ secret: canary }), { mode: 0o644 });
    const database = fs.readdirSync(dir, { withFileTypes: true }).find((entry) => entry.isDirectory())!.name;
    fs.symlinkSync(planted, path.join(dir, database, 'stolen.bson'));
    const result = await env.runDrill(mongoRequest(dir));
    expect(result.outcome).toBe('error');
    expect(result.reason).toContain(`the dump directory holds a symbolic link (${database}/stolen.bson), which mongodump never writes`);
    expect(result.tables.map((table) => table.name)).not.toContain('stolen');
    expect(JSON.stringify(result) + JSON.stringify(await env.query('SELECT * FROM drill_checks'))).not.toContain(canary);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('rejects a PostgreSQL-only format for the mongodb engine before doing anything', async () => {
    const result = await env.runDrill(mongoRequest(env.fixture(MONGO_FIXTURE_FILES.archive), { format: 'custom' }));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/format: mongodb backups come as "auto", "archive", "directory"/);
  });
});
