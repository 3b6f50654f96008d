/**
 * Migration 0003 on a history database written by the previous version (migrations 0000–0002,
 * drills recorded with free-form `--plan-id` values and the old flat request): every plan id
 * becomes a plan, every drill's record becomes the plan snapshot it ran, and the drills of a
 * migrated plan still drill under it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/config.js';
import { planSchema } from '../../core/plan.js';
import { migrateHistoryDatabase } from '../../db/client.js';

const MIGRATIONS = path.join(PROJECT_ROOT, 'db', 'migrations');
let url: string;
let sql: postgres.Sql;

/** The migrations folder as the previous version shipped it: up to 0002. */
function previousMigrations(): string {
  const dir = fs.mkdtempSync(path.join(inject('scratchDir'), 'migrations-0002-'));
  fs.mkdirSync(path.join(dir, 'meta'));
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ idx: number; tag: string }> };
  const kept = journal.entries.filter((e) => e.idx <= 2);
  for (const entry of kept) fs.copyFileSync(path.join(MIGRATIONS, `${entry.tag}.sql`), path.join(dir, `${entry.tag}.sql`));
  fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: kept }));
  return dir;
}

beforeAll(async () => {
  const name = `test_migration_${randomBytes(3).toString('hex')}`;
  const admin = postgres(inject('historyAdminUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  url = inject('historyAdminUrl').replace(/\/postgres$/, `/${name}`);
  sql = postgres(url, { max: 1, onnotice: () => {} });
  await migrate(drizzle(sql), { migrationsFolder: previousMigrations() });
});
afterAll(async () => {
  await sql?.end();
});

it('turns free-form plan ids into plans and old requests into plan snapshots', async () => {
  const request = (extra: Record<string, unknown>) => ({ engine: 'postgres', format: 'auto', sandbox: { kind: 'local' }, source: { kind: 'file', path: '/backups/app.dump' }, checks: { minTables: 3, minRows: 1 }, ...extra });
  const drills = [
    { id: 'd1', planId: 'Prod_DB', request: request({ planId: 'Prod_DB' }), startedAt: '2026-11-01T03:00:00Z' },
    { id: 'd2', planId: 'Prod_DB', request: request({ planId: 'Prod_DB', checks: { minTables: 5, minRows: 1 } }), startedAt: '2026-11-02T03:00:00Z' },
    { id: 'd3', planId: 'prod_db', request: request({ planId: 'prod_db' }), startedAt: '2026-11-02T04:00:00Z' },
    { id: 'd4', planId: null, request: request({}), startedAt: '2026-11-03T03:00:00Z' },
  ];
  for (const d of drills) {
    await sql`INSERT INTO drills (id, plan_id, engine, source_uri, outcome, request, started_at) VALUES (${d.id}, ${d.planId}, 'postgres', 'file:///backups/app.dump', 'passed', ${JSON.stringify(d.request)}::jsonb, ${d.startedAt})`;
    await sql`INSERT INTO drill_checks (drill_id, name, position, passed, observed, expected, message) VALUES (${d.id}, 'rows', 0, true, '1', '1', 'ok')`;
  }

  await migrateHistoryDatabase(url);

  const plans = await sql<Array<{ id: string; name: string; spec: Record<string, unknown> }>>`SELECT id, name, spec FROM plans ORDER BY id`;
  expect(plans.map((p) => [p.id, p.name])).toEqual([
    ['Prod_DB', 'Prod_DB'],
    ['prod_db', 'prod_db #2'],
  ]);
  // The plan takes its latest drill's request, and it is a valid plan.
  const prod = planSchema.parse(plans[0]!.spec);
  expect(prod).toMatchObject({ name: 'Prod_DB', engine: 'postgres', checks: { minTables: 5 }, schedule: null });

  const rows = await sql<Array<{ id: string; plan_name: string; plan_version: number | null; trigger: string; request: Record<string, unknown> }>>`SELECT id, plan_name, plan_version, trigger, request FROM drills ORDER BY id`;
  expect(rows.map((r) => [r.id, r.plan_name, r.plan_version, r.trigger])).toEqual([
    ['d1', 'Prod_DB', 1, 'manual'],
    ['d2', 'Prod_DB', 1, 'manual'],
    ['d3', 'prod_db #2', 1, 'manual'],
    ['d4', 'ad hoc', null, 'manual'],
  ]);
  expect(rows[0]!.request).toEqual({ planId: 'Prod_DB', planVersion: 1, trigger: 'manual', requestedBy: null, plan: { ...request({}), name: 'Prod_DB' } });
  expect(rows[3]!.request).toMatchObject({ planId: null, planVersion: null, plan: { name: 'ad hoc', engine: 'postgres' } });
  // Checks and the foreign key to plans survived.
  expect((await sql`SELECT count(*)::int AS n FROM drill_checks`)[0]!.n).toBe(4);
  await expect(sql`INSERT INTO drills (id, plan_id, engine, source_uri, outcome, request, started_at) VALUES ('d5', 'no-such-plan', 'postgres', 'x', 'passed', '{}', now())`).rejects.toThrow(/foreign key/);
});
