/**
 * zstd, xz and bzip2 decompression by the system tools (`zstd -dc`, `xz -dc`, `bzip2 -dc`) as
 * child processes: bytes in on stdin, plaintext out on stdout, backpressure through the pipes.
 * A tool that exits non-zero (truncated or corrupt input) ends the output in a stream error that
 * is a backupRejected 'decompress' check quoting the tool. Destroying the output kills the tool.
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { backupRejected } from '../failures.js';

export type Compression = 'zstd' | 'xz' | 'bzip2';

/** Bytes of the tool's stderr kept for the failure message. */
const STDERR_KEEP = 4096;

export function decompressStream(kind: Compression, input: Readable): Readable {
  const child = spawn(kind, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let upstreamError: Error | undefined;
  let spawnError: Error | undefined;
  let finished = false;

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const out = new Readable({
    read() {
      child.stdout.resume();
    },
    destroy(error, callback) {
      finished = true;
      kill();
      if (!input.destroyed) input.destroy();
      callback(error);
    },
  });

  child.stdout.on('data', (chunk: Buffer) => {
    if (!out.push(chunk)) child.stdout.pause();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP);
  });
  child.on('error', (err) => {
    spawnError = new Error(`cannot run ${kind} to decompress the backup: ${err.message}`);
  });

  // The input feeds stdin by hand: a tool that quits early closes its stdin (EPIPE), which is
  // not an error of its own; its exit status tells what happened.
  child.stdin.on('error', () => {});
  input.on('error', (err) => {
    upstreamError = err;
    kill();
  });
  input.on('data', (chunk: Buffer) => {
    if (!child.stdin.write(chunk)) input.pause();
  });
  child.stdin.on('drain', () => input.resume());
  input.on('end', () => child.stdin.end());

  child.on('close', (code, signal) => {
    if (finished) return;
    finished = true;
    if (upstreamError) out.destroy(upstreamError);
    else if (spawnError) out.destroy(spawnError);
    else if (code === 0) out.push(null);
    else {
      const reason = toolMessage(kind, stderr) ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
      out.destroy(
        backupRejected({
          name: 'decompress',
          observed: `${kind} -dc failed: ${reason}`,
          expected: `a complete, valid ${kind} stream`,
          message: `the ${kind} stream is truncated or corrupt (${reason})`,
        }),
      );
    }
    if (!input.destroyed) input.destroy();
  });
  return out;
}

/** The tool's own words, on one line, prefixed with its name: "zstd: … premature end". */
function toolMessage(kind: Compression, stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/Inappropriate ioctl|Input file = |^\*Possible\* reason|bzip2recover|-tvv option|It is possible that/.test(line));
  const first = lines[0];
  if (first === undefined) return undefined;
  // Drop the tool's own prefixes ("zstd: ", "/*stdin*\\ : ", "(stdin): "): the message names the tool once.
  let text = first;
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(/^(zstd|xz|bzip2):\s*|^\/\*stdin\*\\\s*:\s*|^\(stdin\):\s*/, '');
  }
  text = text.replace(/;$/, '').replace(/\s+/g, ' ').trim();
  return `${kind}: ${text}`;
}
