/**
 * Whether the sandbox's server itself says it gave way, rather than the dump saying so: a dump can
 * RAISE any words ("No space left on device"), name a table after them, or end its own session.
 * The server's log (verbose: every entry with its SQLSTATE and the source location that raised it)
 * is written by the server, not the dump; an entry raised by PL/pgSQL's RAISE is the dump's.
 */
import type { SandboxHandle } from '../../../core/drill.js';
import { runTool } from '../../process.js';
import type { PostgresBinaries } from './binaries.js';
import { serverLog } from './launch.js';
import { clientEnv } from './server.js';

export interface ServerEvidence {
  /** It accepts connections now (pg_isready): not dead, not in crash recovery. */
  alive: boolean;
  log: string;
}

export async function serverEvidence(sandbox: SandboxHandle, bins: PostgresBinaries): Promise<ServerEvidence> {
  const ready = await runTool(bins.path('pg_isready'), ['-t', '5', '-d', 'template1'], { env: clientEnv(sandbox) });
  return { alive: ready.exitCode === 0, log: await serverLog(sandbox) };
}

/** Disk full, out of memory, I/O error: SQLSTATE classes 53 and 58. */
const RESOURCE_ENTRY = /\b(?:ERROR|FATAL|PANIC):\s+5[38][0-9A-Z]{3}: /;
/** The postmaster's own words when a backend died or the server is going down. */
const CRASH_ENTRY = /\bLOG:\s+[0-9A-Z]{5}: (?:server process \(PID \d+\) was terminated by signal|terminating any other active server processes|received (?:fast|immediate) shutdown request|database system is shut down)/;

/** Whether a log entry matching `entry` was raised by the server's own code, not by a RAISE. */
function serverRaised(log: string, entry: RegExp): boolean {
  const lines = log.split('\n');
  return lines.some((line, i) => entry.test(line) && lines.slice(i + 1, i + 4).some((next) => /\bLOCATION:\s+/.test(next) && !/\bLOCATION:\s+exec_stmt_raise\b/.test(next)));
}

export function serverReportsResourceFault(evidence: ServerEvidence): boolean {
  return serverRaised(evidence.log, RESOURCE_ENTRY);
}

export function serverReportsLostConnection(evidence: ServerEvidence): boolean {
  return !evidence.alive || serverRaised(evidence.log, CRASH_ENTRY);
}
