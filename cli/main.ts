import { CliError, EXIT_USAGE_OR_INFRA } from './exit-codes.js';

const USAGE = `Usage: drill <command> [options]

Commands:
  run    Restore a backup in a sandbox, check it, and print the verdict
  list   List recent drills
  show   Show one drill with its steps, checks and table counts
  vault  Add, list, remove credentials; rotate the vault's master key

Run "drill <command> --help" for a command's options.
Exit codes: 0 backup passed, 1 backup failed verification, 2 usage or infrastructure error.`;

type Command = (args: string[]) => Promise<number>;
// Loaded on demand: the Temporal client alone takes a few hundred milliseconds to import.
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  list: async () => (await import('./commands/list.js')).listCommand,
  show: async () => (await import('./commands/show.js')).showCommand,
  vault: async () => (await import('./commands/vault.js')).vaultCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : EXIT_USAGE_OR_INFRA;
  }
  const load = commands[name];
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
