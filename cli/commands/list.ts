import { parseArgs } from 'node:util';
import { formatCount, formatDuration } from '../../core/duration.js';
import { getJson } from '../api-client.js';
import { CliError, EXIT_PASSED } from '../exit-codes.js';

const USAGE = `Usage: drill list [--limit N] [--offset N] [--plan-id ID] [--json]`;

interface DrillSummary {
  id: string;
  outcome: string;
  engine: string;
  sourceUri: string;
  failedStep: string | null;
  reason: string | null;
  tableCount: number | null;
  totalRows: number | null;
  startedAt: string;
  durationMs: number | null;
}

export async function listCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { limit: { type: 'string', default: '20' }, offset: { type: 'string', default: '0' }, 'plan-id': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return EXIT_PASSED;
  }
  const query = new URLSearchParams({ limit: values.limit, offset: values.offset });
  if (values['plan-id']) query.set('planId', values['plan-id']);
  const page = await getJson<{ drills: DrillSummary[]; total: number; limit: number; offset: number }>(`/api/drills?${query}`);
  if (values.json) {
    console.log(JSON.stringify(page));
    return EXIT_PASSED;
  }
  if (page.drills.length === 0) {
    console.log('No drills recorded yet. Start one with: drill run --engine postgres --file PATH');
    return EXIT_PASSED;
  }
  for (const d of page.drills) {
    const verdict = d.outcome === 'passed' ? 'passed' : d.failedStep ? `${d.outcome} at ${d.failedStep}` : d.outcome;
    const size = d.tableCount !== null && d.outcome === 'passed' ? `${formatCount(d.tableCount)} tables, ${formatCount(d.totalRows ?? 0)} rows` : (d.reason ?? '');
    const took = d.durationMs !== null ? formatDuration(d.durationMs) : '…';
    console.log(`${d.startedAt}  ${d.id}  ${verdict.padEnd(18)}  ${took.padStart(7)}  ${d.sourceUri}  ${size}`);
  }
  if (page.total > page.offset + page.drills.length) console.log(`(${page.total - page.offset - page.drills.length} more; use --offset ${page.offset + page.drills.length})`);
  return EXIT_PASSED;
}
