/**
 * 5-field cron strings (minute hour day-of-month month day-of-week), parsed once and stepped
 * through in an IANA time zone without a date library: the watchdog, plan lists and /metrics ask
 * for next runs of every plan on every call, and walking a cron library's iterator costs
 * milliseconds per run. Only the syntax Temporal's cron parser reads the same way is accepted:
 * numbers, names, `*`, ranges `a-b`, lists `a,b` and steps `/n`.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

export interface Cron {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Cron's rule: with both day fields restricted, either matching is enough. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

export class CronSyntaxError extends Error {}

function valueOf(text: string, field: Field): number {
  const lower = text.toLowerCase();
  const named = field.names?.indexOf(lower) ?? -1;
  const value = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < field.min || value > field.max) throw new CronSyntaxError(`"${text}" is not a ${field.name} (${field.min}–${field.max}${field.names ? ' or a name' : ''})`);
  return value;
}

function parseField(text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new CronSyntaxError(`cron field "${text}" uses syntax this scheduler does not support: use numbers, names, "*", ranges "a-b", lists "a,b" and steps "/n"`);
    const [, range, stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new CronSyntaxError(`a step must be at least 1, not "/${stepText}"`);
    let [low, high] = [field.min, field.max];
    if (range !== '*') {
      const [from, to] = range!.split('-');
      low = valueOf(from!, field);
      high = to === undefined ? (stepText === undefined ? low : field.max) : valueOf(to, field);
      if (high < low) throw new CronSyntaxError(`range "${range}" runs backwards`);
    }
    for (let v = low; v <= high; v += step) values.add(field.name === 'day of week' && v === 7 ? 0 : v);
  }
  return values;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronSyntaxError(`a cron string has 5 fields (minute hour day-of-month month day-of-week), "${expression}" has ${parts.length}`);
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) => parseField(part, FIELDS[i]!));
  const cron: Cron = {
    minutes: [...minutes!].sort((a, b) => a - b),
    hours: [...hours!].sort((a, b) => a - b),
    days: days!,
    months: months!,
    weekdays: weekdays!,
    dayOfMonthRestricted: parts[2] !== '*',
    dayOfWeekRestricted: parts[4] !== '*',
  };
  if (![...cron.months].some((month) => [...cron.days].some((day) => day <= daysInMonth(2024, month)))) {
    throw new CronSyntaxError(`"${expression}" never runs: no month it names has the day it names`);
  }
  return cron;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Zone offsets change only at DST and rule changes, which fall on a quarter hour: one lookup per
 * zone and quarter hour serves every plan and every step (Intl's formatting is the slow part).
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const MAX_CACHED_OFFSETS = 50_000;
const offsets = new Map<string, number>();

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const slot = Math.floor(instant / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const key = `${timeZone}|${slot}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const parts: Record<string, number> = {};
    for (const part of formatterFor(timeZone).formatToParts(slot)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
    offset = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - slot;
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

function wallTime(instant: number, timeZone: string): WallTime {
  const local = new Date(instant + offsetAt(instant, timeZone));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}

/** Offsets are looked up this far either side of a wall time: wider than any DST change. */
const TRANSITION_SPAN_MS = 14 * 3_600_000;

/**
 * The instant a wall-clock time names in the zone. A time that happens twice (DST ends) is its
 * first occurrence; a time that never happens (DST starts) moves past the gap by the length of
 * the gap (02:30 becomes 03:30), as Go's time.Date, which Temporal uses, does.
 */
function instantOf(w: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const offsetBefore = offsetAt(asUtc - TRANSITION_SPAN_MS, timeZone);
  const offsetAfter = offsetAt(asUtc + TRANSITION_SPAN_MS, timeZone);
  // No change of offset nearby (nearly always): the wall time names exactly one instant.
  if (offsetBefore === offsetAfter) return asUtc - offsetBefore;
  const before = asUtc - offsetBefore;
  const after = asUtc - offsetAfter;
  const names = (instant: number) => {
    const t = wallTime(instant, timeZone);
    return t.year === w.year && t.month === w.month && t.day === w.day && t.hour === w.hour && t.minute === w.minute;
  };
  const valid = [before, after].filter(names);
  return valid.length > 0 ? Math.min(...valid) : before;
}

function dayMatches(cron: Cron, year: number, month: number, day: number): boolean {
  if (!cron.months.has(month)) return false;
  const dom = cron.days.has(day);
  const dow = cron.weekdays.has(new Date(Date.UTC(year, month - 1, day)).getUTCDay());
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return dom || dow;
  if (cron.dayOfMonthRestricted) return dom;
  if (cron.dayOfWeekRestricted) return dow;
  return true;
}

/** Longest stretch searched for a matching day: covers "29 2 *" (every 4 years, or 8 around 2100). */
const MAX_DAYS_AHEAD = 366 * 9;

/** The first run strictly after `after`. */
export function nextCronRun(cron: Cron, after: Date, timeZone: string): Date {
  const start = wallTime(after.getTime(), timeZone);
  // On the first day, times well before `after` cannot be next; two hours of slack cover DST.
  const earliestFirstDay = start.hour * 60 + start.minute - 120;
  let { year, month, day } = start;
  for (let i = 0; i < MAX_DAYS_AHEAD; i += 1) {
    if (dayMatches(cron, year, month, day)) {
      for (const hour of cron.hours) {
        for (const minute of cron.minutes) {
          if (i === 0 && hour * 60 + minute < earliestFirstDay) continue;
          const instant = instantOf({ year, month, day, hour, minute }, timeZone);
          if (instant > after.getTime()) return new Date(instant);
        }
      }
    }
    day += 1;
    if (day > daysInMonth(year, month)) {
      day = 1;
      month += 1;
      if (month > 12) {
        month = 1;
        year += 1;
      }
    }
  }
  throw new CronSyntaxError(`no run within ${MAX_DAYS_AHEAD} days`);
}
