/** `drill schedule pause|resume|trigger|backfill|reconcile`: plans' Temporal Schedules, through the API. */
import { apiClient, bodyOf, byId, SCHEDULE_WRITE_TIMEOUT_MS } from '../api-client.js';
import { HELP_FLAG, JSON_FLAG, noPositionals, onePositional, parseOrExplain, pointInTime, printJson, printUsage, runSubcommand } from '../args.js';
import { CliError, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';

const USAGE = `Usage: drill schedule <subcommand> [options]

Subcommands:
  pause PLAN --note TEXT       Stop the plan's scheduled drills, saying why (shown wherever it is seen paused)
  resume PLAN [--note TEXT]    Start them again
  trigger PLAN                 Run the plan now, through its schedule (skipped while one of its drills runs)
  backfill PLAN --from TIME --to TIME
                               Run, one after another, the drills the schedule would have run in that range
                               (TIME: ISO such as 2026-11-01T00:00:00Z, or a duration back from now such as 3d)
  reconcile                    Repair drift between plans and their Temporal Schedules; prints each repair

PLAN is a plan's name or id. Each takes --json.`;

export async function scheduleCommand(argv: string[]): Promise<number> {
  return runSubcommand(argv, USAGE, { pause, resume, trigger, backfill, reconcile });
}

const COMMON = { ...JSON_FLAG, ...HELP_FLAG } as const;
const NOTE = { note: { type: 'string' } } as const;
const RANGE = { from: { type: 'string' }, to: { type: 'string' } } as const;

async function pause(argv: string[]): Promise<number> {
  const usage = 'Usage: drill schedule pause PLAN --note TEXT [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...NOTE, ...COMMON } }, usage);
  if (values.help) return printUsage(usage);
  const plan = onePositional(positionals, 'a plan name or id', usage);
  if (!values.note?.trim()) throw new CliError(`--note is required: say why the plan is paused, for whoever finds it paused\n\n${usage}`);
  const view = await bodyOf(apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS }).plans[':id'].schedule.pause.$post({ param: byId(plan), json: { note: values.note } }));
  if (values.json) printJson(view);
  else console.log(`Paused the schedule of plan "${view.name}" (${view.id}): ${view.schedule?.pauseNote ?? values.note}\nResume it with: drill schedule resume ${view.id}`);
  return EXIT_PASSED;
}

async function resume(argv: string[]): Promise<number> {
  const usage = 'Usage: drill schedule resume PLAN [--note TEXT] [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...NOTE, ...COMMON } }, usage);
  if (values.help) return printUsage(usage);
  const plan = onePositional(positionals, 'a plan name or id', usage);
  const view = await bodyOf(apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS }).plans[':id'].schedule.resume.$post({ param: byId(plan), json: values.note !== undefined ? { note: values.note } : {} }));
  if (values.json) printJson(view);
  else console.log(`Resumed the schedule of plan "${view.name}" (${view.id}): ${view.schedule?.description ?? 'no schedule'}; next run ${view.schedule?.nextRuns[0] ?? '-'}`);
  return EXIT_PASSED;
}

async function trigger(argv: string[]): Promise<number> {
  const usage = 'Usage: drill schedule trigger PLAN [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: COMMON }, usage);
  if (values.help) return printUsage(usage);
  const plan = onePositional(positionals, 'a plan name or id', usage);
  const triggered = await bodyOf(apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS }).plans[':id'].schedule.trigger.$post({ param: byId(plan) }));
  if (values.json) printJson(triggered);
  else if (triggered.drillId) console.log(`Triggered schedule ${triggered.scheduleId}: drill ${triggered.drillId} started\nFollow it with: drill show ${triggered.drillId}`);
  else console.log(`Triggered schedule ${triggered.scheduleId}; its drill has not shown up yet: see drill list --plan ${plan}`);
  return EXIT_PASSED;
}

async function backfill(argv: string[]): Promise<number> {
  const usage = 'Usage: drill schedule backfill PLAN --from TIME --to TIME [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...RANGE, ...COMMON } }, usage);
  if (values.help) return printUsage(usage);
  const plan = onePositional(positionals, 'a plan name or id', usage);
  if (values.from === undefined || values.to === undefined) throw new CliError(`--from and --to are required\n\n${usage}`);
  const range = { from: pointInTime('--from', values.from), to: pointInTime('--to', values.to) };
  const requested = await bodyOf(apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS }).plans[':id'].schedule.backfill.$post({ param: byId(plan), json: range }));
  if (values.json) printJson(requested);
  else console.log(`Backfill of ${requested.runs} run(s) from ${range.from} to ${range.to} requested on schedule ${requested.scheduleId}; they run one after another (drill list --plan ${plan})`);
  return EXIT_PASSED;
}

async function reconcile(argv: string[]): Promise<number> {
  const usage = 'Usage: drill schedule reconcile [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: COMMON }, usage);
  if (values.help) return printUsage(usage);
  noPositionals(positionals, usage);
  const report = await bodyOf(apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS }).schedules.reconcile.$post());
  if (values.json) printJson(report);
  else {
    for (const repair of report.repairs) console.log(`repaired ${repair.drift} of plan ${repair.planId} (${repair.scheduleId})`);
    for (const failure of report.failures) console.log(`could not repair plan ${failure.planId}: ${failure.message}`);
    console.log(`${report.repairs.length} repaired, ${report.inSync} already in sync, ${report.failures.length} failed`);
  }
  return report.failures.length ? EXIT_USAGE_OR_INFRA : EXIT_PASSED;
}

