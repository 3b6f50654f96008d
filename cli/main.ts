import { CliError, EXIT_USAGE_OR_INFRA } from './exit-codes.js';

const USAGE = `Usage: drill <command> [options]

Drills:
  run       Restore a backup in a sandbox, check it, and print the verdict (--plan NAME, or flags)
  list      List drills, newest first (--plan, --outcome, --engine, --since; --cursor pages)
  show      Show one drill: steps, checks, tables, why it failed, who was notified
  canary    Drill a damaged copy of a plan's backup: it must fail and alert
  evidence  Signed evidence of a drill for auditors; verify a file offline
Plans:
  plan      create | list | show | edit | delete saved plans
  schedule  pause | resume | trigger | backfill a plan's schedule; reconcile all schedules
  channel   add | list | test | rm alert channels (email, Slack, webhook, ping)
  vault     add | list | rm credentials; rotate the vault's master key
People:
  setup     Create the first manager (once), with the API's setup token, and log in
  login     Sign in and keep an API token for this host; logout revokes it
  user      add | list | role | disable | enable | passwd | rm users (managers)
  token     create | list | revoke your personal API tokens
  audit     Who did what through the API (managers)
Host:
  engines   List the engine versions this host's sandboxes run; install PostgreSQL majors
  doctor    Check that Temporal, a worker, the API and this host can run drills, and what to fix

Run "drill <command> --help" for a command's options.
Exit codes: 0 backup passed, 1 backup failed verification, 2 usage or infrastructure error.
Drills and canaries talk to Temporal (TEMPORAL_ADDRESS); everything else to the API (RESTORE_DRILL_API),
with the token of "drill login" or RESTORE_DRILL_TOKEN.`;

type Command = (args: string[]) => Promise<number>;
// Loaded on demand: the Temporal client alone takes a few hundred milliseconds to import.
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  list: async () => (await import('./commands/list.js')).listCommand,
  show: async () => (await import('./commands/show.js')).showCommand,
  canary: async () => (await import('./commands/canary.js')).canaryCommand,
  evidence: async () => (await import('./commands/evidence.js')).evidenceCommand,
  plan: async () => (await import('./commands/plan.js')).planCommand,
  schedule: async () => (await import('./commands/schedule.js')).scheduleCommand,
  channel: async () => (await import('./commands/channel.js')).channelCommand,
  vault: async () => (await import('./commands/vault.js')).vaultCommand,
  engines: async () => (await import('./commands/engines.js')).enginesCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  setup: async () => (await import('./commands/login.js')).setupCommand,
  login: async () => (await import('./commands/login.js')).loginCommand,
  logout: async () => (await import('./commands/login.js')).logoutCommand,
  user: async () => (await import('./commands/user.js')).userCommand,
  token: async () => (await import('./commands/token.js')).tokenCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : EXIT_USAGE_OR_INFRA;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) throw new CliError(`unknown command "${name}"\n\n${USAGE}`);
  return (await load())(rest);
}

let exitCode: number;
try {
  exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(`drill: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = err instanceof CliError ? err.exitCode : EXIT_USAGE_OR_INFRA;
}
// Exit explicitly: an open gRPC channel must not keep a finished command alive.
process.exit(exitCode);
