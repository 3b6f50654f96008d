/**
 * The MongoDB engine on its own, against a real server (FerretDB, or mongod when on PATH): restore
 * of each format, counts, assertions, freshness and integrity, and the specific reasons damaged
 * backups are refused with. The whole-drill view is in mongodb-drills.test.ts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findMongoBinaries } from '../../activities/engines/mongodb/binaries.js';
import { mongodbEngine } from '../../activities/engines/mongodb/index.js';
import type { RestoreRequest } from '../../activities/engines/engine.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import type { BackupRef, SandboxHandle } from '../../core/drill.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { MONGO_FIXTURE_COLLECTIONS, MONGO_FIXTURE_FILES, MONGO_NEWEST_CUSTOMER } from '../support/mongo-fixtures.js';
import { localContent } from '../../activities/backup-content.js';
import { sandboxLeftovers } from '../support/drill-env.js';

const engine = mongodbEngine();
const ferretdb = findMongoBinaries().server.kind === 'ferretdb';
let root: string;
let fixturesDir: string;

beforeAll(() => {
  fixturesDir = inject('fixturesDir');
  root = path.join(inject('scratchDir'), `mongodb-engine-${randomBytes(3).toString('hex')}`);
  fs.mkdirSync(root, { mode: 0o755 });
});
afterAll(() => {
  expect(sandboxLeftovers(root)).toEqual([]);
});

const fixture = (name: string) => path.join(fixturesDir, name);

function scratch(name: string, content: Buffer | string): string {
  const file = path.join(inject('scratchDir'), `mongodb-engine-${randomBytes(3).toString('hex')}-${name}`);
  fs.writeFileSync(file, content);
  return file;
}

function backupOf(file: string): BackupRef {
  const stat = fs.statSync(file);
  return { path: file, uri: `file://${file}`, sizeBytes: stat.isDirectory() ? 0 : stat.size, modifiedAt: stat.mtime.toISOString(), sha256: null, sidecarVerified: false };
}

async function withSandbox<T>(work: (sandbox: SandboxHandle) => Promise<T>): Promise<T> {
  const sandbox = await createLocalSandbox(`mongo-engine-${randomBytes(3).toString('hex')}`, 'mongodb', { hostTaskQueue: 'test', rootDir: root });
  try {
    await engine.startServer(sandbox);
    return await work(sandbox);
  } finally {
    await engine.stopServer(sandbox);
    await removeLocalSandbox(sandbox);
  }
}

function request(sandbox: SandboxHandle, file: string, extra: Partial<RestoreRequest> = {}): RestoreRequest {
  const backup = backupOf(file);
  return { sandbox, backup, content: localContent(file, backup.sizeBytes, fs.statSync(file).isDirectory()), requestedFormat: 'auto', declaredVersion: undefined, allowedErrors: [], isRetry: false, signal: new AbortController().signal, onProgress: () => {}, ...extra };
}

const query = (sandbox: SandboxHandle) => ({ sandbox, signal: new AbortController().signal, timeoutMs: 10_000 });

async function counts(sandbox: SandboxHandle): Promise<Record<string, number>> {
  const tables = await engine.inspect({ sandbox, signal: new AbortController().signal, onTableCounted: () => {} });
  return Object.fromEntries(tables.map((t) => [`${t.database}.${t.name}`, t.rows]));
}

describe('MongoDB engine', () => {
  it.each([
    ['archive', MONGO_FIXTURE_FILES.archive, 'archive', 'archive'],
    ['gzip archive', MONGO_FIXTURE_FILES.archiveGzip, 'archive', 'archive (gzip)'],
    ['directory', MONGO_FIXTURE_FILES.directory, 'directory', 'directory (5 collection file(s))'],
  ] as const)('restores a mongodump %s with exact counts', async (_label, file, format, observed) => {
    await withSandbox(async (sandbox) => {
      let progress = 0;
      const summary = await engine.restore(request(sandbox, fixture(file), { onProgress: (bytes) => (progress = bytes), declaredVersion: ferretdb ? '7' : undefined }));
      expect(summary.format).toBe(format);
      expect(summary.checks.map((c) => `${c.name}:${c.passed}`)).toEqual(['format:true', 'producer:true', 'restore:true', ...(format === 'archive' ? ['complete:true'] : [])]);
      expect(summary.checks[0]?.observed).toBe(observed);
      expect(summary.producer?.tool).toMatch(/^mongodump \d+\.\d+\.\d+/);
      expect(summary.producer?.serverVersion).toMatch(/^\d+\.\d+/);
      if (format === 'archive') expect(progress).toBe(fs.statSync(fixture(file)).size);
      expect(await counts(sandbox)).toEqual(MONGO_FIXTURE_COLLECTIONS);

      // A retried attempt starts from empty databases: the counts stay exact.
      await engine.restore(request(sandbox, fixture(file), { isRetry: true }));
      expect(await counts(sandbox)).toEqual(MONGO_FIXTURE_COLLECTIONS);
    });
  });

  it('answers assertions, freshness and integrity on the restored data', async () => {
    await withSandbox(async (sandbox) => {
      await engine.restore(request(sandbox, fixture(MONGO_FIXTURE_FILES.archive)));
      const run = (mongo: Record<string, unknown>) => engine.runAssertion({ ...query(sandbox), query: { mongo: { database: 'shop', ...mongo } as never } });
      expect(await run({ collection: 'customers', count: {} })).toBe(300);
      expect(await run({ collection: 'customers', count: { createdAt: { $gte: { $date: '2026-01-13T00:00:00Z' } } } })).toBe(300 - 288);
      expect(await run({ collection: 'customers', find: {}, field: 'email', sort: { _id: -1 } })).toBe('c300@example.test');
      expect(await run({ collection: 'customers', find: {}, field: 'createdAt', sort: { createdAt: -1 } })).toBe(MONGO_NEWEST_CUSTOMER.toISOString());
      expect(await run({ collection: 'orders', aggregate: [{ $group: { _id: null, orders: { $sum: 1 } } }] })).toBe(700);
      expect(await run({ collection: 'orders', find: { customerId: -1 }, field: 'total' })).toBeNull();
      await expect(engine.runAssertion({ ...query(sandbox), query: { mongo: { collection: 'customers', count: {} } } })).rejects.toThrow(/2 user databases \(audit, shop\): name one with "database"/);
      await expect(engine.runAssertion({ ...query(sandbox), query: { sql: 'SELECT 1' } })).rejects.toThrow(/not SQL/);

      expect(await engine.newestTimestamp({ ...query(sandbox), table: { schema: 'shop', name: 'customers' }, column: 'createdAt' })).toEqual(MONGO_NEWEST_CUSTOMER);
      expect(await engine.newestTimestamp({ ...query(sandbox), table: { schema: 'shop', name: 'empty' }, column: 'createdAt' })).toBeNull();
      await expect(engine.newestTimestamp({ ...query(sandbox), table: { schema: 'shop', name: 'customers' }, column: 'email' })).rejects.toThrow(/holds no dates \(found a string\)/);

      const integrity = await engine.checkIntegrity(query(sandbox));
      if (ferretdb) {
        expect(integrity).toEqual({ method: 'validate {full: true}', checked: 0, problems: [], unsupported: expect.stringMatching(/^FerretDB 1\.24\.\d+ does not implement validate/) });
      } else {
        expect(integrity).toMatchObject({ checked: 5, problems: [] });
      }
    });
  });

  const archive = () => fs.readFileSync(fixture(MONGO_FIXTURE_FILES.archive));
  const gzipArchive = () => fs.readFileSync(fixture(MONGO_FIXTURE_FILES.archiveGzip));
  function flipped(bytes: Buffer): Buffer {
    const copy = Buffer.from(bytes);
    for (let i = Math.floor(copy.length / 2); i < Math.floor(copy.length / 2) + 3; i += 1) copy[i] = (copy[i] as number) ^ 0x5a;
    return copy;
  }

  it.each([
    ['a truncated archive', () => scratch('cut.bin', archive().subarray(0, Math.floor(archive().length * 0.6))), {}, 'complete', /mongodump archive is incomplete: .*cut short/],
    ['a bit-flipped archive', () => scratch('flip.bin', flipped(archive())), {}, 'restore', /mongodump archive is corrupt: /],
    ['a zero-byte file', () => scratch('empty.bin', ''), {}, 'format', /not a MongoDB dump: the file is an empty file/],
    ['an HTML page', () => scratch('page.gz', gzipSync('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>')), {}, 'format', /not a MongoDB dump: the file is gzip-compressed: an HTML\/XML document/],
    ['a PostgreSQL custom dump', () => fixture(FIXTURE_FILES.custom), {}, 'format', /not a MongoDB dump: the file is a pg_dump custom-format archive \(PostgreSQL\)/],
    ['a PostgreSQL plain dump', () => fixture(FIXTURE_FILES.plain), {}, 'format', /not a MongoDB dump: the file is a PostgreSQL plain dump/],
    ['a PostgreSQL directory dump', () => fixture(FIXTURE_FILES.directory), {}, 'format', /pg_dump directory-format dump/],
    ['a gzip archive with trailing garbage', () => scratch('trail.gz', Buffer.concat([gzipArchive(), Buffer.from('garbage written after the end\n')])), {}, 'decompress', /trailing garbage after its compressed stream/],
    ['a truncated gzip archive', () => scratch('cut.gz', gzipArchive().subarray(0, Math.floor(gzipArchive().length / 2))), {}, 'decompress', /gzip stream is truncated/],
    ['an archive from another MongoDB version than declared', () => fixture(MONGO_FIXTURE_FILES.archive), { declaredVersion: '3.6' }, 'producer', /the dump was taken from MongoDB \d+\.\d+\.\d+ \(mongodump .*\), but the plan says its backups come from MongoDB 3\.6/],
    ['a directory dump where the plan says archive', () => fixture(MONGO_FIXTURE_FILES.directory), { requestedFormat: 'archive' }, 'format', /is a mongodump directory, but the plan says archive/],
  ] as const)('refuses %s with a specific reason', async (_label, file, extra, check, reason) => {
    await withSandbox(async (sandbox) => {
      const failure = (await engine.restore(request(sandbox, file(), extra as Partial<RestoreRequest>)).then(() => undefined, (err: unknown) => err)) as ApplicationFailure | undefined;
      expect(failure?.message).toMatch(reason);
      expect((failure?.details?.[0] as { name: string } | undefined)?.name).toBe(check);
    });
  });

  it('reports duplicate documents unless the plan allows them', async () => {
    await withSandbox(async (sandbox) => {
      await engine.restore(request(sandbox, fixture(MONGO_FIXTURE_FILES.archive)));
      // A second restore over the same data collides on every _id.
      const failure = (await engine.restore(request(sandbox, fixture(MONGO_FIXTURE_FILES.archive))).then(() => undefined, (err: unknown) => err)) as ApplicationFailure | undefined;
      expect(failure?.message).toMatch(/mongorestore reported 1030 error\(s\): .*E11000 duplicate key/);
      const allowed = await engine.restore(request(sandbox, fixture(MONGO_FIXTURE_FILES.archive), { allowedErrors: ['E11000 duplicate key'] }));
      expect(allowed.checks.find((c) => c.name === 'restore')?.observed).toMatch(/ignored 1030 harmless error\(s\)/);
    });
  });
});
