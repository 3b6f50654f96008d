/**
 * Runs external tools (initdb, pg_restore, psql, …) with their stderr captured in a bounded way:
 * a tail for failure feedback and every error line for classification, without ever holding an
 * unbounded log in memory.
 */
import fs from 'node:fs';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Readable } from 'node:stream';

const TAIL_LINES = 20;
/** How long a finished tool's stderr may keep flowing (from what it left behind) before the run ends. */
const STDERR_DRAIN_MS = 2000;
/** Real dumps can produce tens of thousands of harmless owner/grant errors; keep them all. */
const MAX_ERROR_LINES = 100_000;
/**
 * Lines an error report pulls in after an error line: pg_restore prints "Command was: …" there,
 * psql -b its "STATEMENT: …" after any DETAIL/HINT/LINE lines.
 */
const ERROR_CONTEXT_LINES = 4;

export interface ToolRun {
  command: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string[];
  errorLines: string[];
  /** Error lines beyond MAX_ERROR_LINES are counted, not kept. */
  droppedErrorLines: number;
}

export interface ToolOptions {
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  cwd?: string;
  /** Piped into the tool's stdin; the run fails if this stream errors. */
  stdin?: Readable;
  /** A file the tool reads as its stdin directly (no copy through this process). */
  stdinFile?: string;
  signal?: AbortSignal;
  /** Which stderr lines count as errors; defaults to lines mentioning ERROR/FATAL/error:. */
  isErrorLine?: (line: string) => boolean;
  onSpawn?: (child: ChildProcess) => void;
  /** The tool's name in the run's record, when `command` is a wrapper (the sandbox jail). */
  name?: string;
  /** Bytes the tool reads from its file descriptor 3 to its end (a jail's seccomp filter). */
  fd3?: Buffer;
}

export const isToolErrorLine = (line: string) => /\b(ERROR|FATAL|PANIC)\b|error:/.test(line);

export class ToolFailedError extends Error {
  constructor(
    readonly run: ToolRun,
    message?: string,
  ) {
    super(message ?? `${run.command} failed (${describeExit(run)}): ${lastMeaningfulLine(run)}`);
    this.name = 'ToolFailedError';
  }
}

export function describeExit(run: Pick<ToolRun, 'exitCode' | 'signal'>): string {
  return run.signal ? `killed by ${run.signal}` : `exit code ${run.exitCode}`;
}

function lastMeaningfulLine(run: ToolRun): string {
  return run.errorLines.at(-1) ?? run.stderrTail.at(-1) ?? 'no output';
}

/** Runs a tool to completion; never rejects for a non-zero exit (callers decide what it means). */
export function runTool(command: string, args: string[], options: ToolOptions = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    // A listener added to an already-aborted signal never fires: do not start at all.
    if (options.signal?.aborted) {
      options.stdin?.destroy();
      reject(options.signal.reason);
      return;
    }
    // Opened here, so the tool can read it even when it runs as an account that could not open it.
    const stdinFd = options.stdinFile ? fs.openSync(options.stdinFile, 'r') : undefined;
    const spawnOptions: SpawnOptions = {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [stdinFd ?? (options.stdin ? 'pipe' : 'ignore'), 'ignore', 'pipe', ...(options.fd3 ? (['pipe'] as const) : [])],
      uid: options.uid,
      gid: options.gid,
    };
    let child: ChildProcess;
    try {
      child = spawn(command, args, spawnOptions);
    } finally {
      if (stdinFd !== undefined) fs.closeSync(stdinFd);
    }
    if (options.fd3) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream | null;
      fd3?.on('error', () => {});
      fd3?.end(options.fd3);
    }
    options.onSpawn?.(child);
    const isErrorLine = options.isErrorLine ?? isToolErrorLine;
    const tail: string[] = [];
    const errorLines: string[] = [];
    let dropped = 0;
    let contextLeft = 0;
    let partial = '';
    let stdinError: Error | undefined;

    const onLine = (line: string) => {
      if (!line.trim()) return;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      const isError = isErrorLine(line);
      if (isError || contextLeft > 0) {
        contextLeft = isError ? ERROR_CONTEXT_LINES : contextLeft - 1;
        if (errorLines.length < MAX_ERROR_LINES) errorLines.push(line);
        else dropped += 1;
      }
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(onLine);
    });

    const abort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', abort, { once: true });

    if (options.stdin && child.stdin) {
      const stdin = options.stdin;
      stdin.on('error', (err) => {
        stdinError = err;
        child.stdin?.destroy();
        child.kill('SIGTERM');
      });
      // The tool exiting early (it hit an error) closes its stdin: that is reported through its exit
      // status and stderr, not as a pipe error.
      child.stdin.on('error', () => stdin.unpipe());
      stdin.pipe(child.stdin);
    }

    child.on('error', (err) => {
      options.signal?.removeEventListener('abort', abort);
      reject(new Error(`could not run ${command}: ${err.message}`));
    });
    // 'close' waits for stderr to close too: a jailed tool killed while its jail was still being
    // set up can leave the tool inside running, holding the pipe (teardown kills it). The run is
    // over when the process we started is: its stderr gets a moment to drain, then is closed.
    child.on('exit', () => setTimeout(() => child.stderr?.destroy(), STDERR_DRAIN_MS).unref());
    child.on('close', (exitCode, signal) => {
      options.signal?.removeEventListener('abort', abort);
      // A tool that stopped reading early leaves the input chain (file, gunzip) open otherwise.
      options.stdin?.destroy();
      if (partial) onLine(partial);
      if (stdinError) {
        reject(stdinError);
        return;
      }
      resolve({ command: options.name ?? commandName(command), exitCode, signal, stderrTail: tail, errorLines, droppedErrorLines: dropped });
    });
  });
}

/** Like runTool, but any non-zero exit is an error carrying the tool's own last words. */
export async function runToolOrThrow(command: string, args: string[], options: ToolOptions = {}): Promise<ToolRun> {
  const run = await runTool(command, args, options);
  if (run.exitCode !== 0) throw new ToolFailedError(run);
  return run;
}

function commandName(command: string): string {
  return command.split('/').at(-1) ?? command;
}
