/**
 * A plan's schedule from flags: one frequency flag (--daily, --weekly, --monthly, --cron,
 * --every), with --tz, --jitter and --catchup beside it or, on edit, alone to change the current
 * schedule's. Problems are reported against the flag the operator typed, not the schema field.
 */
import { isTimeZone, scheduleSchema, WEEKDAYS, type PlanSchedule, type PlanScheduleInput, type Weekday } from '../core/schedule.js';
import { CliError } from './exit-codes.js';

export const SCHEDULE_FLAGS = {
  daily: { type: 'string' },
  weekly: { type: 'string' },
  monthly: { type: 'string' },
  cron: { type: 'string' },
  every: { type: 'string' },
  'no-schedule': { type: 'boolean' },
  tz: { type: 'string' },
  jitter: { type: 'string' },
  catchup: { type: 'string' },
} as const;

export type ScheduleFlagValues = Partial<Record<Exclude<keyof typeof SCHEDULE_FLAGS, 'no-schedule'>, string>> & { 'no-schedule'?: boolean };

const FREQUENCY_FLAGS = ['daily', 'weekly', 'monthly', 'cron', 'every'] as const;
const MODIFIER_FLAGS = ['tz', 'jitter', 'catchup'] as const;

export const SCHEDULE_FLAGS_HELP = `  --daily HH:MM         every day at that time
  --weekly DAYS@HH:MM   on those days, e.g. mon,thu@03:00 (sun mon tue wed thu fri sat)
  --monthly DAY@HH:MM   on that day of the month, e.g. 1@04:30 (29-31 skip shorter months)
  --cron 'EXPR'         a 5-field cron string, e.g. '0 */6 * * *'
  --every DURATION      at a fixed interval, e.g. 6h, 90m
  --tz ZONE             IANA time zone of the times above (default UTC), e.g. Europe/Paris
  --jitter DURATION     start each run up to this much later, so plans do not all start at once
  --catchup DURATION    after an outage, still take runs missed by at most this much (default 6h)`;

/**
 * undefined: the flags leave the schedule alone; null: no schedule; otherwise the new schedule.
 * `current` is the edited plan's schedule: its zone, jitter and catch-up carry over to a new
 * frequency, as someone moving "daily at 03:00 Paris" to 04:00 means.
 */
export function scheduleFlags(values: ScheduleFlagValues, current: PlanSchedule | null | undefined, options: { allowRemoval: boolean }): PlanScheduleInput | null | undefined {
  const frequencies = FREQUENCY_FLAGS.filter((flag) => values[flag] !== undefined);
  const modifiers = MODIFIER_FLAGS.filter((flag) => values[flag] !== undefined);
  if (frequencies.length > 1) throw new CliError(`give one schedule, not ${frequencies.map((f) => `--${f}`).join(' and ')}`);
  if (values['no-schedule']) {
    if (!options.allowRemoval) throw new CliError('--no-schedule is for drill plan edit: a new plan without a schedule flag has no schedule');
    const combined = [...frequencies, ...modifiers];
    if (combined.length) throw new CliError(`--no-schedule removes the schedule: it cannot be combined with --${combined[0]}`);
    return null;
  }
  const frequency = frequencies[0];
  if (!frequency && modifiers.length === 0) return undefined;
  if (!frequency && !current) throw new CliError(`--${modifiers[0]} changes a schedule, and the plan has none: give --daily, --weekly, --monthly, --cron or --every`);

  const inherited = current ? { timeZone: current.timeZone, catchupWindow: current.catchupWindow, ...(current.jitter ? { jitter: current.jitter } : {}) } : {};
  const base: PlanScheduleInput = frequency ? { ...frequencySchedule(frequency, values[frequency]!), ...inherited } : current!;
  if (values.tz !== undefined && !isTimeZone(values.tz)) throw new CliError(`--tz: "${values.tz}" is not an IANA time zone such as UTC, Europe/Paris or America/New_York`);
  const schedule = {
    ...base,
    ...(values.tz !== undefined ? { timeZone: values.tz } : {}),
    ...(values.jitter !== undefined ? { jitter: values.jitter } : {}),
    ...(values.catchup !== undefined ? { catchupWindow: values.catchup } : {}),
  } as PlanScheduleInput;
  const parsed = scheduleSchema.safeParse(schedule);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`${flagOfField(String(issue.path[0] ?? ''), frequency)}: ${issue.message}`);
  }
  return schedule;
}

function frequencySchedule(flag: (typeof FREQUENCY_FLAGS)[number], text: string): PlanScheduleInput {
  switch (flag) {
    case 'daily':
      return { frequency: 'daily', at: timeOfDay('--daily', text) };
    case 'weekly': {
      const [days, at] = splitAt('--weekly', text, 'DAYS@HH:MM such as mon,thu@03:00');
      return { frequency: 'weekly', days: days.split(',').map((day) => weekday(day)), at: timeOfDay('--weekly', at) };
    }
    case 'monthly': {
      const [day, at] = splitAt('--monthly', text, 'DAY@HH:MM such as 1@04:30');
      if (!/^\d{1,2}$/.test(day) || Number(day) < 1 || Number(day) > 31) throw new CliError(`--monthly: the day of the month is 1 to 31, got "${day}"`);
      return { frequency: 'monthly', dayOfMonth: Number(day), at: timeOfDay('--monthly', at) };
    }
    case 'cron':
      return { frequency: 'cron', cron: text };
    case 'every':
      return { frequency: 'interval', every: text };
  }
}

function splitAt(flag: string, text: string, shape: string): [string, string] {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new CliError(`${flag}: expected ${shape}, got "${text}"`);
  return [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

function weekday(text: string): Weekday {
  const day = text.trim().toLowerCase();
  const match = WEEKDAYS.find((d) => d === day || (day.length > 3 && DAY_NAMES[d].startsWith(day)));
  if (!match) throw new CliError(`--weekly: "${text}" is not a day: use ${WEEKDAYS.join(', ')}`);
  return match;
}

/** "monday" and "thurs" mean what they say. */
const DAY_NAMES: Record<Weekday, string> = { sun: 'sunday', mon: 'monday', tue: 'tuesday', wed: 'wednesday', thu: 'thursday', fri: 'friday', sat: 'saturday' };

/** "3:00" is what people type for "03:00". */
function timeOfDay(flag: string, text: string): string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) throw new CliError(`${flag}: "${text}" is not a 24-hour time such as 03:30`);
  return `${match[1]!.padStart(2, '0')}:${match[2]}`;
}

function flagOfField(field: string, frequency: string | undefined): string {
  const flags: Record<string, string> = { timeZone: '--tz', jitter: '--jitter', catchupWindow: '--catchup', cron: '--cron', every: '--every', days: '--weekly', dayOfMonth: '--monthly' };
  return flags[field] ?? (frequency ? `--${frequency}` : 'schedule');
}
