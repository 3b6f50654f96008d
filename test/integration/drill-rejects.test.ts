import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { DrillRequest } from '../../core/drill.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { useDrillTestEnv, postgresRequest, sandboxLeftovers, scratchCopy, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('rejects', (created) => (env = created));

function truncate(file: string, keepFraction: number): string {
  const size = fs.statSync(file).size;
  fs.truncateSync(file, Math.floor(size * keepFraction));
  return file;
}

/** Cuts a plain dump at a line boundary inside the biggest COPY block, as a killed pg_dump would. */
function cutPlainDumpInsideCopy(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  const copyStart = text.indexOf('COPY public.orders');
  const cut = text.indexOf('\n', copyStart + 2000) + 1;
  fs.writeFileSync(file, text.slice(0, cut));
  return file;
}

interface RejectCase {
  label: string;
  request: () => DrillRequest;
  failedStep: string;
  /** Every check that must fail; the first one's message is the drill's reason. */
  checks: string[];
  reason: RegExp;
}

const cases: RejectCase[] = [
  {
    label: 'a zero-byte file',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.custom, 'zero.dump');
      fs.truncateSync(file, 0);
      return postgresRequest(file);
    },
    failedStep: 'locate',
    checks: ['size'],
    reason: /empty \(0 bytes\)/,
  },
  {
    label: 'a missing file',
    request: () => postgresRequest(`${env.scratchDir}/does-not-exist.dump`),
    failedStep: 'locate',
    checks: ['present'],
    reason: /does not exist/,
  },
  {
    label: 'a truncated custom-format dump',
    request: () => postgresRequest(truncate(scratchCopy(env, FIXTURE_FILES.custom, 'cut.dump'), 0.5)),
    failedStep: 'restore',
    checks: ['restore'],
    reason: /pg_restore .*error/,
  },
  {
    label: 'a custom-format dump with bytes flipped in the middle',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.custom, 'flipped.dump');
      const bytes = fs.readFileSync(file);
      for (let i = Math.floor(bytes.length * 0.6); i < Math.floor(bytes.length * 0.6) + 64; i += 1) bytes[i] = (bytes[i] as number) ^ 0xff;
      fs.writeFileSync(file, bytes);
      return postgresRequest(file);
    },
    failedStep: 'restore',
    checks: ['restore'],
    reason: /pg_restore/,
  },
  {
    label: 'a plain dump cut short at a line boundary inside COPY data',
    request: () => postgresRequest(cutPlainDumpInsideCopy(scratchCopy(env, FIXTURE_FILES.plain, 'cut.sql'))),
    failedStep: 'restore',
    checks: ['restore'],
    reason: /incomplete.*dump complete/,
  },
  {
    label: 'a truncated gzip plain dump',
    request: () => postgresRequest(truncate(scratchCopy(env, FIXTURE_FILES.plainGzip, 'cut.sql.gz'), 0.6)),
    failedStep: 'restore',
    checks: ['restore'],
    reason: /gzip stream ends early/,
  },
  {
    label: 'an HTML error page saved as the backup',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.custom, 'page.dump');
      fs.writeFileSync(file, '<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n');
      return postgresRequest(file);
    },
    failedStep: 'restore',
    checks: ['format'],
    reason: /not a PostgreSQL dump: .*HTML/,
  },
  {
    label: 'a MySQL dump given to the postgres engine',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.plain, 'mysql.sql.gz');
      fs.writeFileSync(file, gzipSync('-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: app\nCREATE TABLE `t` (`id` int);\n'));
      return postgresRequest(file);
    },
    failedStep: 'restore',
    checks: ['format'],
    reason: /MySQL\/MariaDB dump/,
  },
  {
    label: 'a plain dump where the plan expects custom format',
    request: () => postgresRequest(env.fixture(FIXTURE_FILES.plain), { format: 'custom' }),
    failedStep: 'restore',
    checks: ['format'],
    reason: /expects a custom-format dump but .* plain/,
  },
  {
    label: 'a dump of an empty database',
    request: () => postgresRequest(env.fixture(FIXTURE_FILES.emptyDatabase)),
    failedStep: 'inspect',
    checks: ['tables', 'rows'],
    reason: /only 0 user table\(s\).*holds no tables/,
  },
  {
    label: 'a schema-only dump',
    request: () => postgresRequest(env.fixture(FIXTURE_FILES.schemaOnly)),
    failedStep: 'inspect',
    checks: ['rows'],
    reason: /only 0 row\(s\).*every table is empty/,
  },
  {
    label: 'a sidecar checksum that does not match',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.custom, 'sidecar.dump');
      fs.writeFileSync(`${file}.sha256`, `${createHash('sha256').update('something else').digest('hex')}  sidecar.dump\n`);
      return postgresRequest(file);
    },
    failedStep: 'locate',
    checks: ['checksum'],
    reason: /checksum mismatch/,
  },
  {
    label: 'a backup older than the max age',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.custom, 'stale.dump');
      const threeDaysAgo = new Date(Date.now() - 3 * 86400_000);
      fs.utimesSync(file, threeDaysAgo, threeDaysAgo);
      return postgresRequest(file, { checks: { minTables: 1, minRows: 1, maxAgeSeconds: 36 * 3600 } });
    },
    failedStep: 'locate',
    checks: ['freshness'],
    reason: /^no backup newer than the max age of 36h00m: the newest, .*stale\.dump, is 72h00m old$/,
  },
  {
    label: 'a genuine restore error among harmless role errors',
    request: () => {
      const file = scratchCopy(env, FIXTURE_FILES.plain, 'genuine-error.sql');
      const text = fs.readFileSync(file, 'utf8');
      // A statement that fails for a real reason, in a dump whose owner/grant statements also fail harmlessly.
      const broken = text.replace('CREATE TABLE public.empty_table', 'CREATE TABLE public.dangling (id int REFERENCES public.nowhere (id));\nCREATE TABLE public.empty_table');
      fs.writeFileSync(file, broken);
      return postgresRequest(file);
    },
    failedStep: 'restore',
    checks: ['restore'],
    reason: /relation "public.nowhere" does not exist/,
  },
];

describe('bad backups fail with a reason naming the step', () => {
  it.each(cases.map((c) => [c.label, c] as const))('%s', async (_label, testCase) => {
    const result = await env.runDrill(testCase.request());

    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe(testCase.failedStep);
    expect(result.reason).toMatch(testCase.reason);
    const failedChecks = result.checks.filter((c) => !c.passed);
    expect(failedChecks.map((c) => c.name)).toEqual(testCase.checks);
    expect(failedChecks[0]?.message).toBe(result.reason);

    const [drill] = await env.query<{ outcome: string; failed_step: string; reason: string }>('SELECT outcome, failed_step, reason FROM drills WHERE id = $1', [result.drillId]);
    expect(drill).toEqual({ outcome: 'failed', failed_step: testCase.failedStep, reason: result.reason });
    const failedRows = await env.query<{ name: string }>('SELECT name FROM drill_checks WHERE drill_id = $1 AND NOT passed ORDER BY position', [result.drillId]);
    expect(failedRows.map((r) => r.name)).toEqual(testCase.checks);
    const [step] = await env.query<{ status: string; message: string }>('SELECT status, message FROM drill_steps WHERE drill_id = $1 AND name = $2', [result.drillId, testCase.failedStep]);
    expect(step?.status).toBe('failed');

    // A bad backup stands out in the Temporal Web UI: the execution is Failed, with the verdict as its message.
    const description = await env.client.workflow.getHandle(result.drillId).describe();
    expect(description.status.name).toBe('FAILED');
    expect(description.searchAttributes.Outcome).toEqual(['failed']);

    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });
});
