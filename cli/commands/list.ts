/** `drill list`: recorded drills, newest first, filtered, one page at a time. */
import { OUTCOMES, ENGINES } from '../../core/drill.js';
import { formatCount, formatDuration } from '../../core/duration.js';
import { apiClient, ApiRefusal, bodyOf, byId, type DrillSummary } from '../api-client.js';
import { HELP_FLAG, JSON_FLAG, noPositionals, parseOrExplain, pointInTime, printJson, printUsage, refuseFlags } from '../args.js';
import { CliError, EXIT_PASSED } from '../exit-codes.js';

const MAX_PAGE = 200;

const USAGE = `Usage: drill list [--plan NAME|ID] [--outcome OUTCOME] [--engine ENGINE] [--since TIME]
                  [--limit N] [--cursor CURSOR] [--json]

  --plan NAME|ID        drills of one plan (deleted plans too, by id)
  --outcome OUTCOME     ${OUTCOMES.join(' | ')}
  --engine ENGINE       ${ENGINES.join(' | ')}
  --since TIME          started at or after: an ISO time (2026-11-01T00:00:00Z, 2026-11-01) or a
                        duration back from now (24h, 7d)
  --limit N             drills per page, 1 to ${MAX_PAGE} (default 20)
  --cursor CURSOR       the next page, as printed at the end of the previous one
  --json                the API's page as JSON: {drills, nextCursor}`;

const INSTEAD = {
  '--offset': '--offset is gone: pages are cursors now. Use --cursor CURSOR, as printed at the end of a page',
  '--plan-id': '--plan-id is gone: use --plan NAME|ID',
};

export async function listCommand(argv: string[]): Promise<number> {
  refuseFlags(argv, INSTEAD);
  const { values, positionals } = parseOrExplain(
    {
      args: argv,
      allowPositionals: true,
      options: { plan: { type: 'string' }, outcome: { type: 'string' }, engine: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string', default: '20' }, cursor: { type: 'string' }, ...JSON_FLAG, ...HELP_FLAG },
    },
    USAGE,
  );
  if (values.help) return printUsage(USAGE);
  noPositionals(positionals, USAGE);
  if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1 || Number(values.limit) > MAX_PAGE) throw new CliError(`--limit must be a whole number from 1 to ${MAX_PAGE}, got "${values.limit}"`);
  const outcome = oneOf('--outcome', values.outcome, OUTCOMES);
  const engine = oneOf('--engine', values.engine, ENGINES);
  const from = values.since !== undefined ? pointInTime('--since', values.since) : undefined;
  const api = apiClient();
  const planId = values.plan !== undefined ? await planIdOf(api, values.plan) : undefined;

  const page = await bodyOf(api.drills.$get({ query: { limit: values.limit, planId, outcome, engine, from, cursor: values.cursor } }));
  if (values.json) {
    printJson(page);
    return EXIT_PASSED;
  }
  if (page.drills.length === 0) {
    const filtered = planId || outcome || engine || from || values.cursor;
    console.log(filtered ? 'No drills match.' : 'No drills recorded yet. Start one with: drill run --plan NAME, or drill run --engine postgres --file PATH');
    return EXIT_PASSED;
  }
  for (const d of page.drills) console.log(drillLine(d));
  if (page.nextCursor) {
    const filters = [values.plan !== undefined && `--plan ${shellWord(values.plan)}`, outcome && `--outcome ${outcome}`, engine && `--engine ${engine}`, from !== undefined && `--since ${from}`, values.limit !== '20' && `--limit ${values.limit}`].filter(Boolean);
    console.log(`next page: drill list ${[...filters, `--cursor ${page.nextCursor}`].join(' ')}`);
  }
  return EXIT_PASSED;
}

/**
 * A plan's name becomes its id; a value no plan answers to is kept as it is, since drills recorded
 * before plans were saved carry free-form plan ids.
 */
async function planIdOf(api: ReturnType<typeof apiClient>, idOrName: string): Promise<string> {
  try {
    return (await bodyOf(api.plans[':id'].$get({ param: byId(idOrName) }))).id;
  } catch (err) {
    if (err instanceof ApiRefusal && err.status === 404) return idOrName;
    throw err;
  }
}

function drillLine(d: DrillSummary): string {
  const verdict = d.outcome === 'passed' || d.outcome === 'running' ? d.outcome : d.failedStep ? `${d.outcome} at ${d.failedStep}` : d.outcome;
  const size = d.tableCount !== null && d.outcome === 'passed' ? `${formatCount(d.tableCount)} tables, ${formatCount(d.totalRows ?? 0)} rows` : (d.reason ?? '');
  const took = d.durationMs !== null ? formatDuration(d.durationMs) : '…';
  const what = d.planId ? `${d.planName ?? d.planId}` : d.sourceUri;
  return `${d.startedAt}  ${d.id}  ${verdict.padEnd(18)}  ${took.padStart(7)}  ${d.trigger.padEnd(8)}  ${what}  ${size}`;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
