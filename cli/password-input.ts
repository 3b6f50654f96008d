/**
 * Passwords for the CLI: from a file (--password-file, for scripts), or typed at the terminal
 * without echo. Never from a command-line argument, which other users can read in `ps`.
 */
import fs from 'node:fs';
import { CliError } from './exit-codes.js';

export async function readPassword(options: { file?: string; prompt: string; confirm?: boolean }): Promise<string> {
  if (options.file) {
    try {
      return fs.readFileSync(options.file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CliError(`cannot read the password file ${options.file}: ${(err as Error).message}`);
    }
  }
  if (!process.stdin.isTTY) throw new CliError('no terminal to type a password at: give --password-file FILE');
  const password = await hiddenLine(options.prompt);
  if (options.confirm && (await hiddenLine('again: ')) !== password) throw new CliError('the two passwords differ');
  return password;
}

function hiddenLine(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let line = '';
    const done = (result: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(line);
        if (char === '\u0003') return done(new CliError('cancelled'));
        if (char === '\u007f' || char === '\b') line = line.slice(0, -1);
        else line += char;
      }
    };
    stdin.on('data', onData);
  });
}
