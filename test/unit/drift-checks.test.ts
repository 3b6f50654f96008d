import { describe, expect, it } from 'vitest';
import { rowDriftCheck } from '../../activities/checks/row-drift.js';
import { sizeChangeCheck } from '../../activities/checks/size-change.js';
import { rowDriftSchema } from '../../core/checks.js';

const table = (name: string, rows: number) => ({ database: 'app', schema: 'public', name, rows });

describe('row drift vs the last passing drill', () => {
  const baseline = { drillId: 'drill-1', finishedAt: null, tables: [table('orders', 1000), table('audit', 500), table('gone', 7), table('empty', 0)] };

  it('passes with no baseline, and within the limits', () => {
    expect(rowDriftCheck([table('orders', 1)], undefined, rowDriftSchema.parse({})).passed).toBe(true);
    const check = rowDriftCheck([table('orders', 900), table('audit', 600), table('gone', 7), table('empty', 0)], baseline, rowDriftSchema.parse({}));
    expect(check.passed).toBe(true);
  });

  it('names every shrunk or vanished table, worst first, honouring per-table limits', () => {
    const check = rowDriftCheck([table('orders', 500), table('audit', 10), table('empty', 0)], baseline, rowDriftSchema.parse({ tables: { audit: 99 } }));
    expect(check.passed).toBe(false);
    expect(check.message).toBe('table public.gone is missing (had 7 rows in drill drill-1); table public.orders lost 50.0% of its rows (1,000 → 500; allowed 20%)');
  });

  it('lets a plan ignore vanished tables', () => {
    const check = rowDriftCheck([table('orders', 1000), table('audit', 500), table('empty', 0)], baseline, rowDriftSchema.parse({ failOnMissingTable: false }));
    expect(check.passed).toBe(true);
  });
});

describe('backup size vs the last passing drill', () => {
  const previous = { drillId: 'drill-1', sizeBytes: 1000, uri: 'file:///b' };
  it.each([
    [1000, true],
    [1500, true],
    [1501, false],
    [499, false],
  ])('%d bytes after 1000 → passes: %s', (size, passes) => {
    expect(sizeChangeCheck(size, previous, 50).passed).toBe(passes);
  });
  it('passes while the plan has no passing drill', () => {
    expect(sizeChangeCheck(5, undefined, 50).message).toMatch(/no passing drill of this plan yet/);
  });
  it('takes a size the previous drill was refused for, and this one confirms, as the new normal', () => {
    const refused = { drillId: 'drill-2', sizeBytes: 2100, uri: 'file:///b' };
    const confirmed = sizeChangeCheck(2000, previous, 50, refused);
    expect(confirmed).toMatchObject({ passed: true, message: expect.stringMatching(/drill drill-2 found it at this size too .*taken as its new size/) });
    // A backup cut short after a refused jump is no confirmation of anything.
    expect(sizeChangeCheck(400, previous, 50, refused).passed).toBe(false);
  });
});
