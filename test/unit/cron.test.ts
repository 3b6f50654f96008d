/**
 * core/cron.ts against an independent implementation (the cron-parser package, a dev dependency
 * only for this): the same next runs for presets and cron strings in zones with and without DST,
 * across DST changes and leap years; and the syntax it refuses, with the reason.
 */
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { CronSyntaxError, nextCronRun, parseCron } from '../../core/cron.js';
import { cronProblem, nextRunTimes, scheduleSchema } from '../../core/schedule.js';

// (Australia/Lord_Howe's half-hour DST trips cron-parser itself; it is checked by hand below.)
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago'];
const EXPRESSIONS = ['0 3 * * *', '30 2 * * *', '45 1 * * 0', '0 0 1 * *', '0 5 31 * *', '0 0 29 2 *', '*/15 * * * *', '0 9-17/2 * * mon-fri', '5,35 */6 * * *', '0 12 * jan,jul *', '30 2 * 3 sun', '59 23 * * 6'];

describe('next runs', () => {
  it.each(EXPRESSIONS.flatMap((expression) => ZONES.map((zone) => [expression, zone] as const)))('%s in %s matches cron-parser for 60 runs from 2026-01-01', (expression, zone) => {
    const cron = parseCron(expression);
    const reference = CronExpressionParser.parse(expression, { currentDate: new Date('2026-01-01T00:00:00Z'), tz: zone });
    let after = new Date('2026-01-01T00:00:00Z');
    for (let i = 0; i < 60; i += 1) {
      const expected = reference.next().toDate();
      after = nextCronRun(cron, after, zone);
      expect(after.toISOString(), `run ${i + 1}`).toBe(expected.toISOString());
    }
  });

  it('weekly and monthly presets land on their days at their local time', () => {
    const weekly = scheduleSchema.parse({ frequency: 'weekly', days: ['thu', 'mon'], at: '04:30', timeZone: 'Europe/Paris' });
    const runs = nextRunTimes(weekly, new Date('2026-03-26T12:00:00Z'), 4).map((d) => d.toLocaleString('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' }));
    // The DST change of 2026-03-29 moves the UTC time, not the local one.
    expect(runs).toEqual(['Mon 04:30', 'Thu 04:30', 'Mon 04:30', 'Thu 04:30']);
    const monthly = scheduleSchema.parse({ frequency: 'monthly', dayOfMonth: 31, at: '01:00' });
    expect(nextRunTimes(monthly, new Date('2026-01-31T02:00:00Z'), 3).map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-03-31', '2026-05-31', '2026-07-31']);
  });

  it('a time DST skips moves past the gap; a time DST repeats runs once, the first time', () => {
    const at = (expression: string, from: string, zone: string) => nextCronRun(parseCron(expression), new Date(from), zone).toISOString();
    expect(at('30 2 * * *', '2026-03-08T00:00:00Z', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(at('30 1 * * *', '2026-11-01T00:00:00Z', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT, not EST
    expect(at('30 1 * * *', '2026-11-01T05:30:00Z', 'America/New_York')).toBe('2026-11-02T06:30:00.000Z'); // not again an hour later
    expect(at('15 2 * * *', '2026-10-03T12:00:00Z', 'Australia/Lord_Howe')).toBe('2026-10-03T15:45:00.000Z'); // 02:15 → 02:45 (+11)
    expect(at('45 1 * * *', '2026-04-04T12:00:00Z', 'Australia/Lord_Howe')).toBe('2026-04-04T14:45:00.000Z'); // first 01:45 (+11)
  });

  it('intervals align to the Unix epoch, as Temporal does', () => {
    const every = scheduleSchema.parse({ frequency: 'interval', every: '6h' });
    expect(nextRunTimes(every, new Date('2026-01-01T07:00:00Z'), 2).map((d) => d.toISOString())).toEqual(['2026-01-01T12:00:00.000Z', '2026-01-01T18:00:00.000Z']);
  });
});

describe('syntax', () => {
  it.each([
    ['0 3 * *', /has 4/],
    ['0 3 L * *', /"L" is not a day of month/],
    ['0 3 ? * *', /syntax this scheduler does not support/],
    ['0 3 * * 1#2', /syntax this scheduler does not support/],
    ['60 3 * * *', /"60" is not a minute \(0–59\)/],
    ['0 3 30 feb *', /never runs/],
    ['0 3 5-1 * *', /runs backwards/],
    ['0 3 1 * mon', /either the day of month or the day of week, not both/],
    ['*/0 * * * *', /at least 1/],
  ])('refuses %s', (expression, reason) => {
    expect(cronProblem(expression)).toMatch(reason);
  });

  it('reads names, ranges, lists, steps and 7 as Sunday', () => {
    const cron = parseCron('0,30 9-17/4 * JAN-mar SUN,7');
    expect(cron.minutes).toEqual([0, 30]);
    expect(cron.hours).toEqual([9, 13, 17]);
    expect([...cron.months]).toEqual([1, 2, 3]);
    expect([...cron.weekdays]).toEqual([0]);
    expect(() => parseCron('* * * * fri-mon')).toThrow(CronSyntaxError);
  });
});
