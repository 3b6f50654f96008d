import { describe, expect, it } from 'vitest';
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

  // Bad MongoDB backups are cases of the bad-backup corpus (bad-backup-corpus.test.ts).

  it('rejects a PostgreSQL-only format for the mongodb engine before doing anything', async () => {
    const result = await env.runDrill(mongoRequest(env.fixture(MONGO_FIXTURE_FILES.archive), { format: 'custom' }));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/format: mongodb backups come as "auto", "archive", "directory"/);
  });
});
