/**
 * What `drill plan create` sends and what `drill plan edit` changes, from a plan JSON file
 * (--from-json) and/or flags. Flags override the file; on edit they change only their own fields.
 * The plan is checked here against the same schema the API uses, so a mistake is reported before
 * anything is written.
 */
import { NOTIFY_EVENTS, type NotifyEvent, type NotifyRoute } from '../core/notify.js';
import type { DrillChecksRequest } from '../core/checks.js';
import { planSchema, type PlanInput } from '../core/plan.js';
import { scheduleSchema, type PlanSchedule } from '../core/schedule.js';
import { positiveNumber, readJsonObject } from './args.js';
import type { PlanView } from './api-client.js';
import { CliError } from './exit-codes.js';
import { BACKUP_FLAGS, backupFlagsHelp, backupPlanFields, type BackupFlagValues } from './plan-flags.js';
import { SCHEDULE_FLAGS, SCHEDULE_FLAGS_HELP, scheduleFlags, type ScheduleFlagValues } from './schedule-flags.js';

/** In plan commands the local backup is --backup: --file would be ambiguous beside --from-json. */
export const LOCAL_BACKUP_FLAG = '--backup';

export const PLAN_FLAGS = {
  ...BACKUP_FLAGS,
  ...SCHEDULE_FLAGS,
  'from-json': { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  notify: { type: 'string', multiple: true },
  'rpo-hours': { type: 'string' },
  'alert-every-drill': { type: 'boolean' },
  'alert-once-per-streak': { type: 'boolean' },
} as const;

export const PLAN_FLAG_INSTEAD = {
  '--file': `drill plan takes the local backup as ${LOCAL_BACKUP_FLAG} PATH and a plan JSON file as --from-json FILE (--file is drill run's name for the backup)`,
};

export type PlanFlagValues = BackupFlagValues &
  ScheduleFlagValues & {
    'from-json'?: string;
    name?: string;
    description?: string;
    notify?: string[];
    'rpo-hours'?: string;
    'alert-every-drill'?: boolean;
    'alert-once-per-streak'?: boolean;
  };

export const PLAN_FLAGS_HELP = `Plan JSON:
  --from-json FILE      the whole plan as JSON (the API's plan schema; "-" reads standard input);
                        the flags below override its fields
What:
  --name NAME           how the plan is known (commands take the name or the id)
  --description TEXT
${backupFlagsHelp(LOCAL_BACKUP_FLAG)}
When:
${SCHEDULE_FLAGS_HELP}
Alerts:
  --notify CHANNEL[:EVENT,EVENT]
                        route events to a channel (repeatable; on edit the routes given replace
                        all routes); events: ${NOTIFY_EVENTS.join(', ')}
                        (default per channel kind)
  --rpo-hours N         alert when the newest backup proven restorable is older than N hours
  --alert-every-drill   alert on every failed drill, not once per failing streak
  --alert-once-per-streak
                        back to the default: one alert until the plan passes again`;

/** The body of POST /api/plans. */
export function planToCreate(values: PlanFlagValues): PlanInput {
  const file = values['from-json'] ? (readJsonObject('--from-json', values['from-json'], 'a plan') as Partial<PlanInput>) : {};
  const plan = { ...file, ...changedFields(values, fileAsBase(file), { allowScheduleRemoval: false }) } as PlanInput;
  const missing = [plan.name === undefined && '--name', plan.engine === undefined && '--engine', plan.source === undefined && `${LOCAL_BACKUP_FLAG} PATH or --source URI`].filter(Boolean);
  if (missing.length) throw new CliError(`a plan needs ${missing.join(', ')} (or a --from-json file that has them)`);
  checkPlan(plan);
  return plan;
}

export type PlanEdit = { method: 'patch'; body: Partial<PlanInput> } | { method: 'put'; body: PlanInput };

/**
 * A file replaces the plan (PUT: what it leaves out goes back to its default); flags alone change
 * their fields (PATCH), reading the current plan only to merge nested values such as one threshold.
 */
export function planEdit(values: PlanFlagValues, current: PlanView): PlanEdit {
  if (values['from-json']) {
    const file = readJsonObject('--from-json', values['from-json'], 'a plan') as Partial<PlanInput>;
    const body = { ...file, ...changedFields(values, fileAsBase(file), { allowScheduleRemoval: true }) } as PlanInput;
    checkPlan(body);
    return { method: 'put', body };
  }
  const body = changedFields(values, current.plan, { allowScheduleRemoval: true });
  if (Object.keys(body).length === 0) throw new CliError('nothing to change: give the flags of the fields to change, or --from-json FILE (see drill plan edit --help)');
  checkPlan({ ...current.plan, ...body });
  return { method: 'patch', body };
}

function changedFields(values: PlanFlagValues, current: FlagBase, options: { allowScheduleRemoval: boolean }): Partial<PlanInput> {
  if (values['alert-every-drill'] && values['alert-once-per-streak']) throw new CliError('give either --alert-every-drill or --alert-once-per-streak');
  const schedule = scheduleFlags(values, current.schedule, { allowRemoval: options.allowScheduleRemoval });
  const alertRepeat = values['alert-every-drill'] ? 'every-drill' : values['alert-once-per-streak'] ? 'once-per-streak' : undefined;
  return {
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...backupPlanFields(values, LOCAL_BACKUP_FLAG, current.checks),
    ...(schedule !== undefined ? { schedule } : {}),
    ...(values.notify ? { notify: values.notify.map(notifyRoute) } : {}),
    ...(values['rpo-hours'] !== undefined ? { rpoHours: positiveNumber('--rpo-hours', values['rpo-hours']) } : {}),
    ...(alertRepeat ? { alertRepeat } : {}),
  };
}

/** What flags change nested values of: the schedule (its zone carries over) and the checks. */
interface FlagBase {
  schedule: PlanSchedule | null | undefined;
  checks: DrillChecksRequest | undefined;
}

function fileAsBase(file: Partial<PlanInput>): FlagBase {
  const schedule = file.schedule ? scheduleSchema.safeParse(file.schedule) : undefined;
  return { schedule: schedule?.success ? schedule.data : null, checks: file.checks };
}

function notifyRoute(text: string): NotifyRoute {
  const [channel, eventList] = text.split(/:(.*)/s) as [string, string | undefined];
  if (!channel) throw new CliError(`--notify: expected CHANNEL or CHANNEL:EVENT,EVENT, got "${text}"`);
  if (eventList === undefined) return { channel };
  const events = eventList.split(',').map((e) => e.trim());
  const unknown = events.find((e) => !(NOTIFY_EVENTS as readonly string[]).includes(e));
  if (unknown !== undefined) throw new CliError(`--notify ${channel}: "${unknown}" is not an event; events are ${NOTIFY_EVENTS.join(', ')}`);
  return { channel, events: events as NotifyEvent[] };
}

function checkPlan(plan: unknown): void {
  const parsed = planSchema.safeParse(plan);
  if (!parsed.success) throw new CliError(`invalid plan: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'plan'}: ${i.message}`).join('; ')}`);
}
