import { describe, expect, it } from 'vitest';
import type { DrillResult } from '../../core/drill.js';
import { FIXTURE_FILES, FIXTURE_TABLES } from '../support/fixtures.js';
import { useDrillTestEnv, postgresRequest, sandboxLeftovers, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('passes', (created) => (env = created));

function countsByTable(result: DrillResult): Record<string, number> {
  return Object.fromEntries(result.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
}

describe('good PostgreSQL backups pass with exact row counts', () => {
  it.each([
    ['custom format', FIXTURE_FILES.custom, 'custom'],
    ['plain SQL, gzip', FIXTURE_FILES.plainGzip, 'plain'],
    ['plain SQL', FIXTURE_FILES.plain, 'plain'],
    ['plain SQL made with pg_dump --clean', FIXTURE_FILES.plainClean, 'plain'],
    ['tar format', FIXTURE_FILES.tar, 'tar'],
    ['directory format', FIXTURE_FILES.directory, 'directory'],
    ['custom format wrapped in gzip', FIXTURE_FILES.customGzip, 'custom'],
  ])('%s', async (_label, file, format) => {
    const result = await env.runDrill(postgresRequest(env.fixture(file)));

    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(result.format).toBe(format);
    expect(countsByTable(result)).toEqual(FIXTURE_TABLES);
    expect(result.totalRows).toBe(1200 + 3400 + 17);
    expect(result.checks.every((c) => c.passed)).toBe(true);
    // Owners and grants name roles the sandbox lacks; they are reported, not fatal.
    expect(result.checks.find((c) => c.name === 'restore')?.observed).toMatch(/role missing from the sandbox/);
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['locate:passed', 'provision:passed', 'restore:passed', 'inspect:passed', 'teardown:passed', 'report:passed']);

    const [drill] = await env.query<{ outcome: string; table_count: number; total_rows: string }>('SELECT outcome, table_count, total_rows FROM drills WHERE id = $1', [result.drillId]);
    expect(drill).toEqual({ outcome: 'passed', table_count: 4, total_rows: '4617' });
    const tables = await env.query<{ schema: string; name: string; rows: string }>('SELECT schema, name, rows FROM drill_tables WHERE drill_id = $1', [result.drillId]);
    expect(Object.fromEntries(tables.map((t) => [`${t.schema}.${t.name}`, Number(t.rows)]))).toEqual(FIXTURE_TABLES);
    const steps = await env.query<{ name: string; status: string; duration_ms: number }>('SELECT name, status, duration_ms FROM drill_steps WHERE drill_id = $1 ORDER BY position', [result.drillId]);
    expect(steps.map((s) => s.name)).toEqual(['locate', 'provision', 'restore', 'inspect', 'teardown', 'report']);
    expect(steps.every((s) => s.status === 'passed' && s.duration_ms >= 0)).toBe(true);

    const description = await env.client.workflow.getHandle(result.drillId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.searchAttributes.Outcome).toEqual(['passed']);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('picks the newest file matching a glob', async () => {
    const result = await env.runDrill({ engine: 'postgres', source: { kind: 'file', path: env.fixturesDir, pattern: 'good.*.dump' } });
    expect(result.outcome).toBe('passed');
    expect(result.backup?.path).toBe(env.fixture(FIXTURE_FILES.custom));
  });

  it('lets a plan accept an empty database', async () => {
    const result = await env.runDrill(postgresRequest(env.fixture(FIXTURE_FILES.emptyDatabase), { checks: { minTables: 0, minRows: 0 } }));
    expect(result.outcome).toBe('passed');
    expect(result.tableCount).toBe(0);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });
});
