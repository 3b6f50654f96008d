/** Runs SQL through the mysql/mariadb client in batch mode and returns its tab-separated output. */
import { spawn } from 'node:child_process';
import { findMysqlBinaries } from './binaries.js';

export function mysqlQuery(args: string[], sql: string, signal: AbortSignal): Promise<string> {
  const { client } = findMysqlBinaries();
  return new Promise((resolve, reject) => {
    const child = spawn(client, [...args, '-N', '-B', '-r'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr.trim().split('\n').at(-1) ?? `mysql client exit ${code}`))));
    child.stdin.end(sql);
  });
}

/** One row per output line, columns split on tabs (the client escapes tabs inside values). */
export function rowsOf(output: string): string[][] {
  return output.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}
