/** `drill token create|list|revoke`: the caller's personal API tokens, for scripts and CI. */
import { parseArgs } from 'node:util';
import { apiClient, bodyOf, byId } from '../api-client.js';
import { CliError, EXIT_PASSED } from '../exit-codes.js';
import { formatTable } from '../format-table.js';

const USAGE = `Usage: drill token list
       drill token create NAME [--days N]
       drill token revoke ID

"create" prints the token once: send it as "Authorization: Bearer …", or set RESTORE_DRILL_TOKEN.`;

export async function tokenCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') {
    console.log(USAGE);
    return action ? EXIT_PASSED : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { days: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const client = apiClient();
  const [name] = parsed.positionals;
  switch (action) {
    case 'list': {
      const { tokens } = await bodyOf(client.tokens.$get());
      for (const line of formatTable([['ID', 'NAME', 'PREFIX', 'CREATED', 'EXPIRES', 'LAST USED'], ...tokens.map((t) => [t.id, t.name, t.prefix, t.createdAt, t.expiresAt ?? 'never', t.lastUsedAt ?? '-'])])) console.log(line);
      return EXIT_PASSED;
    }
    case 'create': {
      if (!name) throw new CliError(`token create needs a NAME\n\n${USAGE}`);
      const days = parsed.values.days === undefined ? undefined : Number(parsed.values.days);
      if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new CliError('--days must be a whole number of days');
      const made = await bodyOf(client.tokens.$post({ json: { name, ...(days ? { expiresInDays: days } : {}) } }));
      console.log(`token ${made.id} (${made.name}), valid until ${made.expiresAt ?? 'revoked'}; shown once:\n${made.token}`);
      return EXIT_PASSED;
    }
    case 'revoke': {
      if (!name) throw new CliError(`token revoke needs an ID (drill token list)\n\n${USAGE}`);
      const response = await client.tokens[':id'].$delete({ param: byId(name) });
      if (!response.ok) await bodyOf(Promise.resolve(response));
      console.log(`revoked ${name}`);
      return EXIT_PASSED;
    }
    default:
      throw new CliError(`unknown token action "${action}"\n\n${USAGE}`);
  }
}
