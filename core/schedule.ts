/**
 * When a plan drills: a preset (daily, weekly on some days, monthly on a day, at a time of day in
 * an IANA time zone), a 5-field cron string, or a fixed interval. Presets become cron strings, so
 * one calculator (core/cron.ts) serves the Temporal Schedule, the "next run" shown to users and the
 * watchdog's idea of when a plan is overdue.
 */
import { z } from 'zod';
import { CronSyntaxError, nextCronRun, parseCron, type Cron } from './cron.js';
import { formatDuration, parseDurationSeconds } from './duration.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Temporal refuses a catch-up window under 10 s; a shorter interval would be a busy loop. */
const MIN_CATCHUP_SECONDS = 10;
const MIN_INTERVAL_SECONDS = 10;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, 'an IANA time zone such as "UTC", "Europe/Paris" or "America/New_York"');

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a 24-hour time such as "03:30"');

function durationText(minSeconds: number) {
  return z.string().superRefine((text, ctx) => {
    try {
      const seconds = parseDurationSeconds(text);
      if (seconds < minSeconds) ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(minSeconds * 1000)}` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
}

export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 5 && fields[2] !== '*' && fields[4] !== '*') {
    return 'restrict either the day of month or the day of week, not both (cron and Temporal disagree on how to combine them)';
  }
  try {
    parseCron(expression);
  } catch (err) {
    if (err instanceof CronSyntaxError) return err.message;
    throw err;
  }
  return undefined;
}

const cronText = z.string().superRefine((text, ctx) => {
  const problem = cronProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const common = {
  timeZone: timeZone.default('UTC'),
  /** Each run starts up to this much later than its nominal time, so many plans do not start at once. */
  jitter: durationText(1).optional(),
  /**
   * After an outage of the Temporal server, runs missed by at most this much are still taken;
   * older ones are dropped (and the watchdog reports the plan overdue).
   */
  catchupWindow: durationText(MIN_CATCHUP_SECONDS).default('6h'),
};

export const scheduleSchema = z.discriminatedUnion('frequency', [
  z.object({ frequency: z.literal('daily'), at: timeOfDay, ...common }).strict(),
  z
    .object({
      frequency: z.literal('weekly'),
      days: z
        .array(z.enum(WEEKDAYS))
        .min(1, 'name at least one day')
        .refine((days) => new Set(days).size === days.length, 'each day at most once'),
      at: timeOfDay,
      ...common,
    })
    .strict(),
  z
    .object({
      frequency: z.literal('monthly'),
      /** 1–28 run every month; 29–31 skip the months that lack that day, as cron does. */
      dayOfMonth: z.number().int().min(1).max(31),
      at: timeOfDay,
      ...common,
    })
    .strict(),
  z.object({ frequency: z.literal('cron'), cron: cronText, ...common }).strict(),
  z.object({ frequency: z.literal('interval'), every: durationText(MIN_INTERVAL_SECONDS), ...common }).strict(),
]);
export type PlanSchedule = z.infer<typeof scheduleSchema>;
export type PlanScheduleInput = z.input<typeof scheduleSchema>;

/** The schedule as a 5-field cron string; undefined for fixed intervals. */
export function scheduleCron(schedule: PlanSchedule): string | undefined {
  const time = 'at' in schedule ? schedule.at.split(':').map(Number) : [];
  const [hour, minute] = time;
  switch (schedule.frequency) {
    case 'daily':
      return `${minute} ${hour} * * *`;
    case 'weekly':
      return `${minute} ${hour} * * ${[...schedule.days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)).map((d) => WEEKDAYS.indexOf(d)).join(',')}`;
    case 'monthly':
      return `${minute} ${hour} ${schedule.dayOfMonth} * *`;
    case 'cron':
      return schedule.cron.trim().split(/\s+/).join(' ');
    case 'interval':
      return undefined;
  }
}

export function intervalSeconds(schedule: PlanSchedule): number | undefined {
  return schedule.frequency === 'interval' ? parseDurationSeconds(schedule.every) : undefined;
}

export function jitterSeconds(schedule: PlanSchedule): number {
  return schedule.jitter ? parseDurationSeconds(schedule.jitter) : 0;
}

export function catchupWindowSeconds(schedule: PlanSchedule): number {
  return parseDurationSeconds(schedule.catchupWindow);
}

const parsedCrons = new Map<string, Cron>();

function cronOf(expression: string): Cron {
  let cron = parsedCrons.get(expression);
  if (!cron) {
    cron = parseCron(expression);
    parsedCrons.set(expression, cron);
  }
  return cron;
}

/**
 * Runs already worked out, per schedule: plan lists, summaries and /metrics ask for the same
 * next runs of every plan on every call. `upcoming` holds the runs after `from`, and answers any
 * later `from` it still covers; `exact` answers a repeated question (the watchdog's "runs after
 * the last finished drill").
 */
const upcoming = new Map<string, { from: number; runs: Date[] }>();
const exact = new Map<string, Date[]>();
const MAX_REMEMBERED = 20_000;
const REMEMBERED_RUNS = 6;

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= MAX_REMEMBERED) map.clear();
  map.set(key, value);
  return value;
}

/** The next `count` nominal run times after `from` (jitter not included). */
export function nextRunTimes(schedule: PlanSchedule, from: Date, count: number): Date[] {
  const key = `${schedule.frequency}|${'at' in schedule ? schedule.at : ''}|${scheduleCron(schedule) ?? ''}|${'every' in schedule ? schedule.every : ''}|${schedule.timeZone}`;
  const window = upcoming.get(key);
  if (window && from.getTime() >= window.from) {
    const ahead = window.runs.filter((run) => run.getTime() > from.getTime());
    if (ahead.length >= count) return ahead.slice(0, count);
  }
  const exactKey = `${key}|${from.getTime()}|${count}`;
  const known = exact.get(exactKey);
  if (known) return known;
  const runs = computeRuns(schedule, from, Math.max(count, REMEMBERED_RUNS));
  if (!window || from.getTime() >= window.from) remember(upcoming, key, { from: from.getTime(), runs });
  return remember(exact, exactKey, runs.slice(0, count));
}

function computeRuns(schedule: PlanSchedule, from: Date, count: number): Date[] {
  const every = intervalSeconds(schedule);
  if (every !== undefined) {
    // Temporal aligns intervals to the Unix epoch (phase 0).
    const everyMs = every * 1000;
    const first = Math.floor(from.getTime() / everyMs) * everyMs + everyMs;
    return Array.from({ length: count }, (_, i) => new Date(first + i * everyMs));
  }
  const cron = cronOf(scheduleCron(schedule)!);
  const runs: Date[] = [];
  let after = from;
  for (let i = 0; i < count; i += 1) {
    after = nextCronRun(cron, after, schedule.timeZone);
    runs.push(after);
  }
  return runs;
}

const DAY_NAMES: Record<Weekday, string> = { sun: 'Sun', mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat' };

/** "daily at 03:00 (Europe/Paris)": for schedule notes, lists and alerts. */
export function describeSchedule(schedule: PlanSchedule): string {
  const zone = ` (${schedule.timeZone})`;
  const jitter = schedule.jitter ? `, jitter ${schedule.jitter}` : '';
  switch (schedule.frequency) {
    case 'daily':
      return `daily at ${schedule.at}${zone}${jitter}`;
    case 'weekly': {
      const days = [...schedule.days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)).map((d) => DAY_NAMES[d]);
      return `weekly on ${days.join(', ')} at ${schedule.at}${zone}${jitter}`;
    }
    case 'monthly':
      return `monthly on day ${schedule.dayOfMonth} at ${schedule.at}${zone}${jitter}`;
    case 'cron':
      return `cron "${scheduleCron(schedule)}"${zone}${jitter}`;
    case 'interval':
      return `every ${schedule.every}${jitter}`;
  }
}
