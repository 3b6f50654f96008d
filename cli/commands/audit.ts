/** `drill audit` (managers): the audit trail, newest first. */
import { parseArgs } from 'node:util';
import { apiClient, bodyOf } from '../api-client.js';
import { CliError, EXIT_PASSED } from '../exit-codes.js';
import { formatTable } from '../format-table.js';

const USAGE = `Usage: drill audit [--actor WHO] [--action NAME|PREFIX.] [--outcome ok|denied|failed] [--since ISO-TIME] [--limit N] [--cursor C] [--json]

Who did what through the API: sign-ins and their failures, user and role changes, plan, schedule
and channel edits, drill starts and cancels, canaries. Managers only.`;

export async function auditCommand(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    return EXIT_PASSED;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { actor: { type: 'string' }, action: { type: 'string' }, outcome: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' }, json: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { json, ...query } = values;
  const page = await bodyOf(apiClient().audit.$get({ query: Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as never }));
  if (json) {
    console.log(JSON.stringify(page, null, 2));
    return EXIT_PASSED;
  }
  for (const line of formatTable([['TIME', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'ADDRESS'], ...page.events.map((e) => [e.at, e.actor, e.action, e.target ?? '-', e.outcome, e.address ?? '-'])])) console.log(line);
  if (page.nextCursor) console.log(`\nmore: drill audit --cursor ${page.nextCursor}`);
  return EXIT_PASSED;
}
