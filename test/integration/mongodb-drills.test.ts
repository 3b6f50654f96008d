import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { DrillRequest } from '../../core/drill.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { MONGO_FIXTURE_COLLECTIONS, MONGO_FIXTURE_FILES } from '../support/mongo-fixtures.js';
import { useDrillTestEnv, sandboxLeftovers, scratchCopy, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('mongodb', (created) => (env = created));

const mongoRequest = (file: string, extra: Partial<DrillRequest> = {}): DrillRequest => ({ engine: 'mongodb', source: { kind: 'file', path: file }, ...extra });

/** A scratch copy of a fixture file, rewritten by `change`. */
function damaged(fixture: string, name: string, change: (bytes: Buffer) => Buffer): string {
  const file = scratchCopy(env, fixture, name);
  fs.writeFileSync(file, change(fs.readFileSync(file)));
  return file;
}

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

  it.each([
    ['a truncated archive', () => mongoRequest(damaged(MONGO_FIXTURE_FILES.archive, 'cut.bin', (b) => b.subarray(0, Math.floor(b.length * 0.6)))), 'restore', 'complete', /mongodump archive is incomplete: .*cut short/],
    ['a bit-flipped archive', () => mongoRequest(damaged(MONGO_FIXTURE_FILES.archive, 'flip.bin', (b) => {
      const copy = Buffer.from(b);
      for (let i = Math.floor(copy.length / 2); i < Math.floor(copy.length / 2) + 3; i += 1) copy[i] = (copy[i] as number) ^ 0x5a;
      return copy;
    })), 'restore', 'restore', /mongodump archive is corrupt: /],
    ['a zero-byte file', () => mongoRequest(damaged(MONGO_FIXTURE_FILES.archive, 'empty.bin', () => Buffer.alloc(0))), 'locate', 'size', /is empty \(0 bytes\)/],
    ['an HTML page', () => mongoRequest(damaged(MONGO_FIXTURE_FILES.archiveGzip, 'page.gz', () => gzipSync('<html><body>403 Forbidden</body></html>'))), 'restore', 'format', /not a MongoDB dump: the file is gzip-compressed: an HTML\/XML document/],
    ['a PostgreSQL dump given to the mongodb engine', () => mongoRequest(env.fixture(FIXTURE_FILES.custom)), 'restore', 'format', /not a MongoDB dump: the file is a pg_dump custom-format archive \(PostgreSQL\)/],
    ['a gzip archive with trailing garbage', () => mongoRequest(damaged(MONGO_FIXTURE_FILES.archiveGzip, 'trail.gz', (b) => Buffer.concat([b, Buffer.from('garbage after the end\n')]))), 'restore', 'decompress', /trailing garbage after its compressed stream/],
    ['an archive from another MongoDB version than the plan declares', () => mongoRequest(env.fixture(MONGO_FIXTURE_FILES.archive), { engineVersion: '3.6' }), 'restore', 'producer', /taken from MongoDB \d+\.\d+\.\d+ .*, but the plan says its backups come from MongoDB 3\.6/],
  ] as const)('%s fails naming the step', async (_label, request, failedStep, check, reason) => {
    const result = await env.runDrill(request());
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe(failedStep);
    expect(result.reason).toMatch(reason);
    expect(result.checks.filter((c) => !c.passed).map((c) => c.name)[0]).toBe(check);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('rejects a PostgreSQL-only format for the mongodb engine before doing anything', async () => {
    const result = await env.runDrill(mongoRequest(env.fixture(MONGO_FIXTURE_FILES.archive), { format: 'custom' }));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/format: mongodb backups come as "auto", "archive", "directory"/);
  });
});
