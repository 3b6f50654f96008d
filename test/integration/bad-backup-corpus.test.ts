/**
 * The bad-backup corpus: every way a backup job is known to fail silently, made at test time from
 * real dumps, each of which must fail with its own reason naming the verification level, while the
 * matching good backups, with every level switched on, pass.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { failureReason, type CheckLevel, type DrillChecksRequest } from '../../core/checks.js';
import type { FlatDrillRequest } from '../../core/drill.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { MONGO_FIXTURE_FILES, MONGO_NEWEST_CUSTOMER } from '../support/mongo-fixtures.js';
import { MYSQL_FIXTURE_FILES } from '../support/mysql-fixtures.js';
import { useDrillTestEnv, postgresRequest, sandboxLeftovers, scratchCopy, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('corpus', (created) => (env = created));

const mysqlRequest = (file: string, extra: Partial<FlatDrillRequest> = {}): FlatDrillRequest => ({ engine: 'mysql', source: { kind: 'file', path: file }, ...extra });
const mongoRequest = (file: string, extra: Partial<FlatDrillRequest> = {}): FlatDrillRequest => ({ engine: 'mongodb', source: { kind: 'file', path: file }, ...extra });
type CorpusEngine = FlatDrillRequest['engine'];
let planCounter = 0;
/** A saved plan to drill under (drift compares drills of one plan); each drill brings its own spec. */
const newPlanId = (engine: CorpusEngine) => env.savePlan({ name: `corpus ${engine} ${++planCounter}`, engine, source: { kind: 'file', path: '/each/drill/names/its/own' } });

function truncate(file: string, keepFraction: number): string {
  fs.truncateSync(file, Math.floor(fs.statSync(file).size * keepFraction));
  return file;
}

function edit(file: string, change: (text: string) => string): string {
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
  return file;
}

function setModified(file: string, when: Date): string {
  fs.utimesSync(file, when, when);
  return file;
}

/** Cuts a plain dump at a line boundary inside the biggest COPY block, as a killed pg_dump would. */
function cutPlainDumpInsideCopy(text: string): string {
  const cut = text.indexOf('\n', text.indexOf('COPY public.orders') + 2000) + 1;
  return text.slice(0, cut);
}

/** Keeps every other data line of one table's COPY block: the half-empty table. */
function dropHalfTheRows(text: string, copyHeader: string): string {
  const start = text.indexOf('\n', text.indexOf(copyHeader)) + 1;
  const end = text.indexOf('\n\\.\n', start);
  const kept = text.slice(start, end).split('\n').filter((_line, i) => i % 2 === 0);
  return text.slice(0, start) + kept.join('\n') + text.slice(end);
}


/** Removes one table's whole block (structure and data) from a mysqldump file. */
function withoutMysqlTable(text: string, table: string): string {
  const start = text.indexOf(`-- Table structure for table \`${table.replace(/`/g, '``')}\``);
  const next = text.indexOf('-- Table structure for table', start + 10);
  if (start < 0 || next < 0) throw new Error(`table ${table} not found in the dump`);
  return text.slice(0, start) + text.slice(next);
}

/** A scratch copy of a fixture file, its bytes rewritten by `change`. */
function rewrite(fixture: string, name: string, change: (bytes: Buffer) => Buffer): string {
  const file = scratchCopy(env, fixture, name);
  fs.writeFileSync(file, change(fs.readFileSync(file)));
  return file;
}

interface CorpusCase {
  label: string;
  engine: CorpusEngine;
  /** Drills of the same plan that must pass first: the history the case is judged against. */
  before?: () => FlatDrillRequest[];
  request: () => FlatDrillRequest;
  failedStep: string;
  level: CheckLevel;
  /** Every check that must fail; the first one's message is the drill's reason. */
  checks: string[];
  reason: RegExp;
}

/** Postgres checks for level-5/6 cases, against the fixture dataset (see test/support/fixtures.ts). */
const pgAssertion = (expect: string): DrillChecksRequest => ({ assertions: [{ name: 'enough orders', sql: 'SELECT count(*) FROM public.orders', expect }] });

const cases: CorpusCase[] = [
  // Level 1: exists and fresh.
  { label: 'a zero-byte file', engine: 'postgres', request: () => postgresRequest(truncate(scratchCopy(env, FIXTURE_FILES.custom, 'zero.dump'), 0)), failedStep: 'locate', level: 'exists', checks: ['size'], reason: /empty \(0 bytes\)/ },
  { label: 'a missing file', engine: 'postgres', request: () => postgresRequest(`${env.scratchDir}/does-not-exist.dump`), failedStep: 'locate', level: 'exists', checks: ['present'], reason: /does not exist/ },
  {
    label: 'a stale file (older than the max age)',
    engine: 'postgres',
    request: () => postgresRequest(setModified(scratchCopy(env, FIXTURE_FILES.custom, 'stale.dump'), new Date(Date.now() - 3 * 86400_000)), { checks: { maxAgeSeconds: 36 * 3600 } }),
    failedStep: 'locate',
    level: 'exists',
    checks: ['age'],
    reason: /no backup newer than the max age of 36h00m: the newest, .*stale\.dump, is 72h00m old$/,
  },
  {
    label: 'a backup below the minimum size',
    engine: 'mysql',
    request: () => mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plain), { checks: { minSizeBytes: 10 * 1024 * 1024 } }),
    failedStep: 'locate',
    level: 'exists',
    checks: ['size'],
    reason: /below the plan's minimum of 10\.0 MiB/,
  },
  {
    label: 'a backup half the size of the previous drill',
    engine: 'postgres',
    before: () => [postgresRequest(env.fixture(FIXTURE_FILES.custom))],
    request: () => postgresRequest(truncate(scratchCopy(env, FIXTURE_FILES.custom, 'shrunk.dump'), 0.45)),
    failedStep: 'locate',
    level: 'exists',
    checks: ['size-change'],
    reason: /the backup shrank by 5\d\.\d% since the last passing drill .*more than the allowed 50%/,
  },
  // Level 2: integrity.
  {
    label: 'a sidecar checksum that does not match',
    engine: 'postgres',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.custom, 'sidecar.dump');
      fs.writeFileSync(`${file}.sha256`, `${createHash('sha256').update('something else').digest('hex')}  sidecar.dump\n`);
      return postgresRequest(file);
    },
    failedStep: 'locate',
    level: 'integrity',
    checks: ['checksum'],
    reason: /checksum mismatch/,
  },
  { label: 'no sidecar where the plan requires one', engine: 'mysql', request: () => mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plainGzip), { checks: { requireChecksum: true } }), failedStep: 'locate', level: 'integrity', checks: ['checksum'], reason: /requires a checksum, but there is no mysql-good\.sql\.gz\.sha256 sidecar/ },
  { label: 'a truncated gzip plain dump', engine: 'postgres', request: () => postgresRequest(truncate(scratchCopy(env, FIXTURE_FILES.plainGzip, 'cut.sql.gz'), 0.6)), failedStep: 'restore', level: 'integrity', checks: ['decompress'], reason: /gzip stream ends early/ },
  {
    label: 'a gzip dump with trailing garbage',
    engine: 'postgres',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.plainGzip, 'garbage.sql.gz');
      fs.appendFileSync(file, 'partial overwrite by another job\n'.repeat(20));
      return postgresRequest(file);
    },
    failedStep: 'restore',
    level: 'integrity',
    checks: ['decompress'],
    reason: /the backup is damaged: gzip data followed by \d+ byte\(s\) of trailing garbage/,
  },
  {
    label: 'a truncated gzip MySQL dump',
    engine: 'mysql',
    request: () => mysqlRequest(truncate(scratchCopy(env, MYSQL_FIXTURE_FILES.plainGzip, 'cut.sql.gz'), 0.5)),
    failedStep: 'restore',
    level: 'integrity',
    checks: ['decompress'],
    reason: /gzip stream is truncated or corrupt/,
  },
  {
    label: 'a gzip mongodump archive with trailing garbage',
    engine: 'mongodb',
    request: () => mongoRequest(rewrite(MONGO_FIXTURE_FILES.archiveGzip, 'trail.gz', (b) => Buffer.concat([b, Buffer.from('garbage after the end\n')]))),
    failedStep: 'restore',
    level: 'integrity',
    checks: ['decompress'],
    reason: /trailing garbage after its compressed stream/,
  },
  // Level 3: restorable.
  {
    label: 'a dump directory with a .bson file cut short',
    engine: 'mongodb',
    request: () => {
      const dir = path.join(env.scratchDir, `${env.name}-${randomBytes(3).toString('hex')}-cut-dir`);
      fs.cpSync(env.fixture(MONGO_FIXTURE_FILES.directory), dir, { recursive: true });
      const orders = path.join(dir, 'shop', 'orders.bson');
      // Mid-document: a cut that lands on a document boundary leaves a valid, shorter file (row drift catches that).
      fs.truncateSync(orders, Math.floor(fs.statSync(orders).size * 0.6) + 13);
      return mongoRequest(dir);
    },
    failedStep: 'restore',
    level: 'restorable',
    checks: ['complete'],
    reason: /a \.bson file in the dump directory is incomplete: it ends in the middle of a document/,
  },
  {
    label: 'a mongoexport JSON file given to the mongodb engine',
    engine: 'mongodb',
    request: () => {
      const file = path.join(env.scratchDir, `${env.name}-${randomBytes(3).toString('hex')}-export.json`);
      fs.writeFileSync(file, Array.from({ length: 20 }, (_, i) => JSON.stringify({ _id: { $oid: `65f0000000000000000000${String(i).padStart(2, '0')}` }, total: { $numberDecimal: '1.50' } })).join('\n'));
      return mongoRequest(file);
    },
    failedStep: 'restore',
    level: 'restorable',
    checks: ['format'],
    reason: /not a MongoDB dump: the file is JSON text, such as mongoexport writes: mongorestore loads only mongodump output/,
  },
  {
    label: 'a truncated mongodump archive',
    engine: 'mongodb',
    request: () => mongoRequest(rewrite(MONGO_FIXTURE_FILES.archive, 'cut.bin', (b) => b.subarray(0, Math.floor(b.length * 0.6)))),
    failedStep: 'restore',
    level: 'restorable',
    checks: ['complete'],
    reason: /mongodump archive is incomplete: .*cut short/,
  },
  {
    label: 'a bit-flipped mongodump archive',
    engine: 'mongodb',
    request: () =>
      mongoRequest(rewrite(MONGO_FIXTURE_FILES.archive, 'flip.bin', (b) => {
        const copy = Buffer.from(b);
        for (let i = Math.floor(copy.length / 2); i < Math.floor(copy.length / 2) + 3; i += 1) copy[i] = (copy[i] as number) ^ 0x5a;
        return copy;
      })),
    failedStep: 'restore',
    level: 'restorable',
    checks: ['restore'],
    reason: /mongodump archive is corrupt: /,
  },
  { label: 'a gzip-compressed HTML page given to the mongodb engine', engine: 'mongodb', request: () => mongoRequest(rewrite(MONGO_FIXTURE_FILES.archiveGzip, 'page.gz', () => gzipSync('<html><body>403 Forbidden</body></html>'))), failedStep: 'restore', level: 'restorable', checks: ['format'], reason: /not a MongoDB dump: the file is gzip-compressed: an HTML\/XML document/ },
  { label: 'a PostgreSQL dump given to the mongodb engine', engine: 'mongodb', request: () => mongoRequest(env.fixture(FIXTURE_FILES.custom)), failedStep: 'restore', level: 'restorable', checks: ['format'], reason: /not a MongoDB dump: the file is a pg_dump custom-format archive \(PostgreSQL\)/ },
  { label: 'a mongodump archive from another MongoDB version than the plan declares', engine: 'mongodb', request: () => mongoRequest(env.fixture(MONGO_FIXTURE_FILES.archive), { engineVersion: '3.6' }), failedStep: 'restore', level: 'restorable', checks: ['producer'], reason: /taken from MongoDB \d+\.\d+\.\d+ .*, but the plan says its backups come from MongoDB 3\.6/ },
  { label: 'a truncated custom-format dump', engine: 'postgres', request: () => postgresRequest(truncate(scratchCopy(env, FIXTURE_FILES.custom, 'cut.dump'), 0.5)), failedStep: 'restore', level: 'restorable', checks: ['restore'], reason: /pg_restore .*error/ },
  {
    label: 'a custom-format dump with bytes flipped in the middle',
    engine: 'postgres',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.custom, 'flipped.dump');
      const bytes = fs.readFileSync(file);
      for (let i = Math.floor(bytes.length * 0.6); i < Math.floor(bytes.length * 0.6) + 64; i += 1) bytes[i] = (bytes[i] as number) ^ 0xff;
      fs.writeFileSync(file, bytes);
      return postgresRequest(file);
    },
    failedStep: 'restore',
    level: 'restorable',
    checks: ['restore'],
    reason: /pg_restore/,
  },
  { label: 'a plain dump cut short inside COPY data', engine: 'postgres', request: () => postgresRequest(edit(scratchCopy(env, FIXTURE_FILES.plain, 'cut.sql'), cutPlainDumpInsideCopy)), failedStep: 'restore', level: 'restorable', checks: ['restore'], reason: /incomplete.*dump complete/ },
  {
    label: 'a MySQL dump cut short after a complete statement',
    engine: 'mysql',
    request: () => mysqlRequest(edit(scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'cut.sql'), (text) => text.slice(0, text.indexOf('\n', text.indexOf('INSERT INTO `orders`')) + 1))),
    failedStep: 'restore',
    level: 'restorable',
    checks: ['complete'],
    reason: /incomplete: it ends without mysqldump's "Dump completed" trailer/,
  },
  {
    label: 'an HTML error page saved as the backup',
    engine: 'postgres',
    request: () => postgresRequest(edit(scratchCopy(env, FIXTURE_FILES.custom, 'page.dump'), () => '<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n')),
    failedStep: 'restore',
    level: 'restorable',
    checks: ['format'],
    reason: /not a PostgreSQL dump: .*HTML/,
  },
  {
    label: 'a gzip-compressed HTML page given to the mysql engine',
    engine: 'mysql',
    request: () => {
      const file = scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'page.sql.gz');
      fs.writeFileSync(file, gzipSync('<html><body>403 Forbidden</body></html>'));
      return mysqlRequest(file);
    },
    failedStep: 'restore',
    level: 'restorable',
    checks: ['format'],
    reason: /HTML/,
  },
  { label: 'a MySQL dump given to the postgres engine', engine: 'postgres', request: () => postgresRequest(env.fixture(MYSQL_FIXTURE_FILES.plainGzip)), failedStep: 'restore', level: 'restorable', checks: ['format'], reason: /MySQL\/MariaDB dump/ },
  { label: 'a PostgreSQL dump given to the mysql engine', engine: 'mysql', request: () => mysqlRequest(env.fixture(FIXTURE_FILES.custom)), failedStep: 'restore', level: 'restorable', checks: ['format'], reason: /not a MySQL\/MariaDB dump: the file is a pg_dump custom-format archive/ },
  { label: 'a plain dump where the plan expects custom format', engine: 'postgres', request: () => postgresRequest(env.fixture(FIXTURE_FILES.plain), { format: 'custom' }), failedStep: 'restore', level: 'restorable', checks: ['format'], reason: /expects a custom-format dump but .* plain/ },
  {
    label: 'a dump from another server version than the plan declares',
    engine: 'postgres',
    request: () => postgresRequest(env.fixture(FIXTURE_FILES.plain), { engineVersion: '9.6' }),
    failedStep: 'restore',
    level: 'restorable',
    checks: ['producer'],
    reason: /the dump was taken from PostgreSQL \d+\.\d+ \(pg_dump \d+.*\), but the plan says its backups come from PostgreSQL 9\.6/,
  },
  {
    label: 'a genuine restore error among harmless role errors',
    engine: 'postgres',
    request: () => postgresRequest(edit(scratchCopy(env, FIXTURE_FILES.plain, 'genuine-error.sql'), (text) => text.replace('CREATE TABLE public.empty_table', 'CREATE TABLE public.dangling (id int REFERENCES public.nowhere (id));\nCREATE TABLE public.empty_table'))),
    failedStep: 'restore',
    level: 'restorable',
    checks: ['restore'],
    reason: /relation "public.nowhere" does not exist/,
  },
  {
    label: 'a MySQL dump with a genuine SQL error',
    engine: 'mysql',
    request: () => mysqlRequest(edit(scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'broken.sql'), (text) => text.replace('CREATE TABLE `empty_table`', 'INSERT INTO `missing_table` VALUES (1);\nCREATE TABLE `empty_table`'))),
    failedStep: 'restore',
    level: 'restorable',
    checks: ['restore'],
    reason: /mysql client reported \d+ error\(s\): .*missing_table/,
  },
  // Level 4: readable.
  { label: 'a dump of an empty database', engine: 'postgres', request: () => postgresRequest(env.fixture(FIXTURE_FILES.emptyDatabase)), failedStep: 'inspect', level: 'readable', checks: ['tables', 'rows'], reason: /only 0 user table\(s\).*holds no tables/ },
  { label: 'a schema-only dump', engine: 'postgres', request: () => postgresRequest(env.fixture(FIXTURE_FILES.schemaOnly)), failedStep: 'inspect', level: 'readable', checks: ['rows'], reason: /only 0 row\(s\).*every table is empty/ },
  { label: 'a MySQL dump of an empty database', engine: 'mysql', request: () => mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.emptyDatabase)), failedStep: 'inspect', level: 'readable', checks: ['tables', 'rows'], reason: /only 0 user table\(s\)/ },
  // Level 5: plausible.
  {
    label: 'half the rows of a table gone vs the last passing drill',
    engine: 'postgres',
    before: () => [postgresRequest(env.fixture(FIXTURE_FILES.plain), { checks: { rowDrift: {} } })],
    request: () => postgresRequest(edit(scratchCopy(env, FIXTURE_FILES.plain, 'half.sql'), (text) => dropHalfTheRows(text, 'COPY public.orders')), { checks: { rowDrift: {}, maxSizeChangePercent: null } }),
    failedStep: 'verify',
    level: 'plausible',
    checks: ['row-drift'],
    reason: /table public\.orders lost 50\.0% of its rows \(3,400 → 1,700; allowed 20%\)/,
  },
  {
    label: 'a table missing vs the last passing drill',
    engine: 'mysql',
    before: () => [mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plain), { checks: { rowDrift: {} } })],
    request: () => mysqlRequest(edit(scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'no-customers-odd.sql'), (text) => withoutMysqlTable(text, 'odd `name` table')), { checks: { rowDrift: {} } }),
    failedStep: 'verify',
    level: 'plausible',
    checks: ['row-drift'],
    reason: /table shop\.odd `name` table is missing \(had 5 rows in drill /,
  },
  {
    label: 'a freshness column far older than the backup',
    engine: 'postgres',
    request: () => postgresRequest(env.fixture(FIXTURE_FILES.custom), { checks: { freshness: [{ table: 'customers', column: 'created_at', maxAgeHours: 24 }] } }),
    failedStep: 'verify',
    level: 'plausible',
    checks: ['freshness:customers.created_at'],
    reason: /stale data: the newest public\.customers\.created_at is 2026-02-20T00:00:00\.000Z, \d+d\d\dh before the backup was written \(allowed 24h00m\)/,
  },
  {
    label: 'a MongoDB date field far older than the backup',
    engine: 'mongodb',
    request: () => mongoRequest(env.fixture(MONGO_FIXTURE_FILES.archive), { checks: { freshness: [{ table: 'shop.customers', column: 'createdAt', maxAgeHours: 48 }] } }),
    failedStep: 'verify',
    level: 'plausible',
    checks: ['freshness:shop.customers.createdAt'],
    reason: /stale data: the newest shop\.customers\.createdAt is 2026-01-13T11:00:00\.000Z, \d+d\d\dh before the backup was written \(allowed 48h00m\)/,
  },
  // Level 6: custom assertions.
  {
    label: 'a violated MongoDB count assertion',
    engine: 'mongodb',
    request: () => mongoRequest(env.fixture(MONGO_FIXTURE_FILES.directory), { checks: { assertions: [{ name: 'big orders exist', mongo: { database: 'shop', collection: 'orders', count: { total: { $gt: 1_000_000 } } }, expect: '>= 1' }] } }),
    failedStep: 'verify',
    level: 'custom',
    checks: ['assertion:big orders exist'],
    reason: /assertion "big orders exist" violated: the query returned 0, expected >= 1/,
  },
  {
    label: 'a violated custom SQL assertion',
    engine: 'postgres',
    request: () => postgresRequest(env.fixture(FIXTURE_FILES.custom), { checks: pgAssertion('>= 1000000') }),
    failedStep: 'verify',
    level: 'custom',
    checks: ['assertion:enough orders'],
    reason: /assertion "enough orders" violated: the query returned "3400", expected >= 1000000/,
  },
  {
    label: 'a custom assertion that tries to write',
    engine: 'mysql',
    request: () => mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plain), { checks: { assertions: [{ name: 'sneaky', sql: 'DELETE FROM orders', expect: '== 0' }] } }),
    failedStep: 'verify',
    level: 'custom',
    checks: ['assertion:sneaky'],
    reason: /assertion "sneaky" could not run: .*read.only/i,
  },
];

async function runPassing(request: FlatDrillRequest): Promise<void> {
  const result = await env.runDrill(request);
  expect(result.reason).toBeNull();
  expect(result.outcome).toBe('passed');
}

describe('bad-backup corpus: every case fails at its level with its own reason', () => {
  it('covers at least 20 distinct failures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c.reason.source)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [`${c.engine}: ${c.label}`, c] as const))('%s', async (_label, testCase) => {
    const planId = await newPlanId(testCase.engine);
    for (const earlier of testCase.before?.() ?? []) await runPassing({ ...earlier, planId });
    const request = testCase.request();
    const result = await env.runDrill(testCase.before ? { ...request, planId } : request);

    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe(testCase.failedStep);
    expect(result.reason).toMatch(testCase.reason);
    expect(result.reason?.startsWith(`[${testCase.level}] `)).toBe(true);
    const failedChecks = result.checks.filter((c) => !c.passed);
    expect(failedChecks.map((c) => c.name)).toEqual(testCase.checks);
    expect(failureReason(failedChecks[0]!)).toBe(result.reason);

    const [drill] = await env.query<{ outcome: string; failed_step: string; reason: string }>('SELECT outcome, failed_step, reason FROM drills WHERE id = $1', [result.drillId]);
    expect(drill).toEqual({ outcome: 'failed', failed_step: testCase.failedStep, reason: result.reason });
    const failedRows = await env.query<{ name: string; level: string }>('SELECT name, level FROM drill_checks WHERE drill_id = $1 AND NOT passed ORDER BY position', [result.drillId]);
    expect(failedRows.map((r) => r.name)).toEqual(testCase.checks);
    expect(failedRows[0]?.level).toBe(testCase.level);
    const [step] = await env.query<{ status: string }>('SELECT status FROM drill_steps WHERE drill_id = $1 AND name = $2', [result.drillId, testCase.failedStep]);
    expect(step?.status).toBe('failed');

    // A bad backup stands out in the Temporal Web UI: the execution is Failed, with the verdict as its message.
    const description = await env.client.workflow.getHandle(result.drillId).describe();
    expect(description.status.name).toBe('FAILED');
    expect(description.searchAttributes.Outcome).toEqual(['failed']);

    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });
});

describe('bad-backup corpus: the matching good backups pass with every level on', () => {
  const fresh = new Date('2026-02-20T12:00:00Z');
  const allLevels = (engine: CorpusEngine): DrillChecksRequest => ({
    requireChecksum: true,
    rowDrift: { maxLossPercent: 10 },
    freshness: engine === 'postgres' ? [{ table: 'public.customers', column: 'created_at', maxAgeHours: 24 }] : engine === 'mongodb' ? [{ table: 'customers', column: 'createdAt', maxAgeHours: 24 }] : [],
    assertions:
      engine === 'mongodb'
        ? [
            { name: 'orders', mongo: { database: 'shop', collection: 'orders', count: {} }, expect: '== 700' },
            { name: 'newest customer', mongo: { database: 'shop', collection: 'customers', aggregate: [{ $group: { _id: null, n: { $sum: 1 } } }] }, expect: 'between 300 and 300' },
          ]
        : engine === 'postgres'
        ? [
            { name: 'orders', sql: 'SELECT count(*) FROM public.orders', expect: 'between 3000 and 4000' },
            { name: 'no orphan orders', sql: 'SELECT count(*) FROM public.orders o LEFT JOIN public.customers c ON c.id = o.customer_id WHERE c.id IS NULL', expect: '== 0' },
            { name: 'email shape', sql: 'SELECT email FROM public.customers ORDER BY id LIMIT 1', expect: 'matches /^c1@example\\.test$/' },
          ]
        : [{ name: 'customers', sql: 'SELECT count(*) FROM customers', expect: '>= 300' }],
    nativeIntegrity: true,
    allowErrors: engine === 'postgres' ? ['role ".*" does not exist'] : [],
  });
  const freshFor: Record<CorpusEngine, Date | undefined> = { postgres: fresh, mysql: undefined, mongodb: new Date(MONGO_NEWEST_CUSTOMER.getTime() + 3_600_000) };

  function withSidecar(fixture: string, name: string, modified?: Date): string {
    const file = scratchCopy(env, fixture, name);
    fs.writeFileSync(`${file}.sha256`, `${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}  ${name}\n`);
    if (modified) setModified(file, modified);
    return file;
  }

  it.each([
    ['postgres', FIXTURE_FILES.custom, 'good.dump'],
    ['postgres', FIXTURE_FILES.plainGzip, 'good.sql.gz'],
    ['mysql', MYSQL_FIXTURE_FILES.plain, 'good.sql'],
    ['mongodb', MONGO_FIXTURE_FILES.archiveGzip, 'good.archive.gz'],
  ] as const)('%s %s passes twice in a row (the second against the first as baseline)', async (engine, fixture, name) => {
    const planId = await newPlanId(engine);
    for (let round = 0; round < 2; round++) {
      const file = withSidecar(fixture, `${round}-${name}`, freshFor[engine]);
      const result = await env.runDrill({ engine, source: { kind: 'file', path: file }, planId, checks: allLevels(engine) });
      expect(result.reason).toBeNull();
      expect(result.outcome).toBe('passed');
      const names = result.checks.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['size', 'size-change', 'checksum', 'format', 'producer', 'restore', 'readable', 'tables', 'rows', 'row-drift', 'native-integrity']));
      const native = result.checks.find((c) => c.name === 'native-integrity');
      // FerretDB's validate is a stub that always says valid: the check says it did not run.
      expect(native?.observed).toMatch(engine === 'mongodb' ? /^(not run: .*validate|\d+ object\(s\) checked, no problem)/ : /object\(s\) checked, no problem/);
      if (round === 1) expect(result.checks.find((c) => c.name === 'row-drift')?.message).toMatch(/no table shrank beyond its limit/);
    }
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });
});
