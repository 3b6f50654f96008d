import { listCommand } from './commands/list.js';
import { runCommand } from './commands/run.js';
import { showCommand } from './commands/show.js';
import { CliError, EXIT_USAGE_OR_INFRA } from './exit-codes.js';

const USAGE = `Usage: drill <command> [options]

Commands:
  run    Restore a backup in a sandbox, check it, and print the verdict
  list   List recent drills
  show   Show one drill with its steps, checks and table counts

Run "drill <command> --help" for a command's options.
Exit codes: 0 backup passed, 1 backup failed verification, 2 usage or infrastructure error.`;

const commands: Record<string, (args: string[]) => Promise<number>> = { run: runCommand, list: listCommand, show: showCommand };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : EXIT_USAGE_OR_INFRA;
  }
  const command = commands[name];
  if (!command) throw new CliError(`unknown command "${name}"\n\n${USAGE}`);
  return command(rest);
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
