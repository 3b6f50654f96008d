/** `drill plan create|list|show|edit|delete`: saved plans, through the API (which keeps their Temporal Schedules in step). */
import { apiClient, bodyOf, byId, SCHEDULE_WRITE_TIMEOUT_MS } from '../api-client.js';
import { HELP_FLAG, JSON_FLAG, noPositionals, onePositional, parseOrExplain, printJson, printUsage, refuseFlags, runSubcommand } from '../args.js';
import { EXIT_PASSED } from '../exit-codes.js';
import { formatPlan, formatSummary, planRow } from '../format-plan.js';
import { formatTable } from '../format-table.js';
import { withOptionalLatestValue } from '../plan-flags.js';
import { PLAN_FLAG_INSTEAD, PLAN_FLAGS, PLAN_FLAGS_HELP, planEdit, planToCreate } from '../plan-input.js';

const USAGE = `Usage: drill plan <subcommand> [options]

Subcommands:
  create (--from-json FILE | --name NAME --engine ENGINE (--backup PATH | --source URI)) [options]
                        Save a plan (and its Temporal Schedule when it has one)
  list [--json]         One line per plan: status, schedule, last run, next run
  show PLAN [--json]    The plan and where it stands: last run, last pass, streak, RPO, canary
  edit PLAN [options]   Change the fields given (or replace the plan with --from-json FILE);
                        the schedule is updated in place
  delete PLAN           Delete the plan and its schedule; its drills stay in history

PLAN is a plan's name or id. "drill plan create --help" lists the plan options.`;

const CREATE_USAGE = `Usage: drill plan create (--from-json FILE | --name NAME --engine ENGINE (--backup PATH | --source URI)) [options] [--json]

${PLAN_FLAGS_HELP}

Example:
  drill plan create --name nightly-app --engine postgres --backup '/backups/app-*.dump' \\
    --max-age 26h --daily 03:00 --tz Europe/Paris --notify ops-mail --rpo-hours 30`;

const EDIT_USAGE = `Usage: drill plan edit PLAN [options] [--json]

Only the fields given change (--from-json FILE replaces the whole plan). --notify replaces all
routes. --tz, --jitter, --catchup alone change the current schedule; a new frequency keeps them.
  --no-schedule         remove the schedule (the plan then drills only when asked)

${PLAN_FLAGS_HELP}`;

export async function planCommand(argv: string[]): Promise<number> {
  return runSubcommand(argv, USAGE, { create, list, show, edit, delete: remove });
}

function parsePlanFlags(argv: string[], usage: string) {
  refuseFlags(argv, PLAN_FLAG_INSTEAD);
  return parseOrExplain({ args: withOptionalLatestValue(argv), allowPositionals: true, options: { ...PLAN_FLAGS, ...JSON_FLAG, ...HELP_FLAG } }, usage);
}

async function create(argv: string[]): Promise<number> {
  const { values, positionals } = parsePlanFlags(argv, CREATE_USAGE);
  if (values.help) return printUsage(CREATE_USAGE);
  noPositionals(positionals, CREATE_USAGE);
  const view = await bodyOf(apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS }).plans.$post({ json: planToCreate(values) }));
  if (values.json) printJson(view);
  else console.log([`Created plan "${view.name}" (${view.id})`, ...formatPlan(view)].join('\n'));
  return EXIT_PASSED;
}

async function list(argv: string[]): Promise<number> {
  const usage = 'Usage: drill plan list [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...JSON_FLAG, ...HELP_FLAG } }, usage);
  if (values.help) return printUsage(usage);
  noPositionals(positionals, usage);
  const { plans } = await bodyOf(apiClient().plans.summary.$get());
  if (values.json) printJson({ plans });
  else if (plans.length === 0) console.log('No plans yet. Create one with: drill plan create --name NAME --engine postgres --backup PATH --daily 03:00');
  else for (const line of formatTable([['NAME', 'ID', 'STATUS', 'SCHEDULE', 'LAST RUN', 'NEXT RUN'], ...plans.map((p) => planRow(p))])) console.log(line);
  return EXIT_PASSED;
}

async function show(argv: string[]): Promise<number> {
  const usage = 'Usage: drill plan show PLAN [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...JSON_FLAG, ...HELP_FLAG } }, usage);
  if (values.help) return printUsage(usage);
  const idOrName = onePositional(positionals, 'a plan name or id', usage);
  const api = apiClient();
  const view = await bodyOf(api.plans[':id'].$get({ param: byId(idOrName) }));
  // A deleted plan has no standing; its record and history are still shown.
  const summary = view.deletedAt ? null : await bodyOf(api.plans[':id'].summary.$get({ param: byId(view.id) }));
  if (values.json) printJson({ plan: view, summary });
  else console.log([...formatPlan(view), ...(summary ? formatSummary(summary) : [`Its drills stay in history: drill list --plan ${view.id}`])].join('\n'));
  return EXIT_PASSED;
}

async function edit(argv: string[]): Promise<number> {
  const { values, positionals } = parsePlanFlags(argv, EDIT_USAGE);
  if (values.help) return printUsage(EDIT_USAGE);
  const idOrName = onePositional(positionals, 'a plan name or id', EDIT_USAGE);
  const api = apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS });
  const current = await bodyOf(api.plans[':id'].$get({ param: byId(idOrName) }));
  const change = planEdit(values, current);
  const param = byId(current.id);
  const view = await bodyOf(change.method === 'put' ? api.plans[':id'].$put({ param, json: change.body }) : api.plans[':id'].$patch({ param, json: change.body }));
  if (values.json) printJson(view);
  else console.log([`Updated plan "${view.name}" (${view.id}) to version ${view.version}`, ...formatPlan(view)].join('\n'));
  return EXIT_PASSED;
}

async function remove(argv: string[]): Promise<number> {
  const usage = 'Usage: drill plan delete PLAN [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...JSON_FLAG, ...HELP_FLAG } }, usage);
  if (values.help) return printUsage(usage);
  const idOrName = onePositional(positionals, 'a plan name or id', usage);
  const api = apiClient({ timeoutMs: SCHEDULE_WRITE_TIMEOUT_MS });
  const view = await bodyOf(api.plans[':id'].$delete({ param: byId(idOrName) }));
  if (values.json) printJson(view);
  else {
    console.log(`Deleted plan "${view.name}" (${view.id})${view.plan.schedule ? ' and its Temporal schedule' : ''}.`);
    console.log(`Its history is kept: ${view.drillsKept} drill(s), listed by drill list --plan ${view.id}`);
  }
  return EXIT_PASSED;
}

