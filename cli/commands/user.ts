/** `drill user add|list|role|disable|enable|passwd|rm` (managers): the people who may use Restore Drill. */
import { parseArgs } from 'node:util';
import { apiClient, bodyOf, byId } from '../api-client.js';
import { CliError, EXIT_PASSED } from '../exit-codes.js';
import { formatTable } from '../format-table.js';
import { readPassword } from '../password-input.js';

const USAGE = `Usage: drill user list
       drill user add EMAIL [--role user|manager] [--name NAME] [--password-file FILE]
       drill user role EMAIL user|manager
       drill user disable EMAIL | enable EMAIL
       drill user passwd EMAIL [--password-file FILE]
       drill user rm EMAIL

Managers only. "add" without --password-file prints a generated password once. Disabling or
removing a user ends their sessions and revokes their tokens at once; the last active manager
cannot be removed, disabled or made a user.`;

export async function userCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') {
    console.log(USAGE);
    return action ? EXIT_PASSED : 2;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rest);
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const client = apiClient();
  const email = positionals[0];
  const needEmail = () => {
    if (!email) throw new CliError(`user ${action} needs an EMAIL\n\n${USAGE}`);
    return email;
  };
  switch (action) {
    case 'list': {
      const { users } = await bodyOf(client.users.$get());
      for (const line of formatTable([['EMAIL', 'ROLE', 'STATUS', 'PASSWORD', 'ADDED BY'], ...users.map((u) => [u.email, u.role, u.disabled ? 'disabled' : 'active', u.passwordSignIn ? 'yes' : 'no', u.createdBy])])) console.log(line);
      return EXIT_PASSED;
    }
    case 'add': {
      const role = values.role ?? 'user';
      if (role !== 'user' && role !== 'manager') throw new CliError('--role must be user or manager');
      const password = values['password-file'] ? await readPassword({ file: values['password-file'], prompt: '' }) : undefined;
      const added = await bodyOf(client.users.$post({ json: { email: needEmail(), role, ...(values.name ? { displayName: values.name } : {}), ...(password !== undefined ? { password } : {}) } }));
      console.log(`Added ${added.user.email} (${added.user.role})`);
      if (added.initialPassword) console.log(`initial password (shown once; they sign in with \`drill login --email ${added.user.email}\`): ${added.initialPassword}`);
      return EXIT_PASSED;
    }
    case 'role': {
      const role = positionals[1];
      if (role !== 'user' && role !== 'manager') throw new CliError(`user role needs EMAIL and user|manager\n\n${USAGE}`);
      const user = await bodyOf(client.users[':id'].$patch({ param: byId(needEmail()), json: { role } }));
      console.log(`${user.email} is now a ${user.role}`);
      return EXIT_PASSED;
    }
    case 'disable':
    case 'enable': {
      const user = await bodyOf(client.users[':id'].$patch({ param: byId(needEmail()), json: { disabled: action === 'disable' } }));
      console.log(`${user.email} is ${user.disabled ? 'disabled: their sessions and tokens ended' : 'enabled again'}`);
      return EXIT_PASSED;
    }
    case 'passwd': {
      const password = await readPassword({ file: values['password-file'], prompt: `new password for ${needEmail()}: `, confirm: true });
      const user = await bodyOf(client.users[':id'].$patch({ param: byId(needEmail()), json: { password } }));
      console.log(`password of ${user.email} changed; their sessions ended`);
      return EXIT_PASSED;
    }
    case 'rm': {
      const response = await client.users[':id'].$delete({ param: byId(needEmail()) });
      if (!response.ok) await bodyOf(Promise.resolve(response));
      console.log(`Removed ${needEmail()}: their sessions and tokens ended`);
      return EXIT_PASSED;
    }
    default:
      throw new CliError(`unknown user action "${action}"\n\n${USAGE}`);
  }
}

function parse(args: string[]) {
  return parseArgs({ args, options: { role: { type: 'string' }, name: { type: 'string' }, 'password-file': { type: 'string' } }, allowPositionals: true, strict: true });
}
