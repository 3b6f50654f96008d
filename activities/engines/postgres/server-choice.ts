/**
 * Which PostgreSQL major restores a dump: the one that made it. pg_dump writes SQL for its own
 * major and servers load dumps of older majors, so the target is the newer of "dumped by" and
 * "dumped from" as the dump records them, else the plan's declared version, else the newest
 * installed. A dump older than every installation restores into the oldest newer one (the
 * documented upgrade path) and says so; a dump newer than every installation cannot be judged
 * here at all: an `error` that names what to install, never `failed`.
 */
import { versionNumber } from '../producer-check.js';
import { sandboxCannotRestore } from '../../failures.js';
import type { PostgresBinaries } from './binaries.js';
import type { PostgresInstallations } from './installations.js';
import type { PostgresProducer } from './producer.js';

export interface WantedMajor {
  major: number;
  /** What asked for it, for messages: "the dump (pg_dump 17.2, from a 16.4 server)", "the plan". */
  from: string;
}

export interface ServerChoice {
  bins: PostgresBinaries;
  /** Said in the producer check when the choice is not simply "the dump's own major". */
  note?: string;
}

export function wantedMajor(producer: PostgresProducer | null, declaredVersion: string | undefined): WantedMajor | undefined {
  const byTool = majorOf(versionNumber(producer?.tool));
  const fromServer = majorOf(versionNumber(producer?.serverVersion));
  const majors = [byTool, fromServer].filter((major): major is number => major !== undefined);
  if (majors.length > 0) {
    const made = [producer?.tool, producer?.serverVersion ? `from a ${versionNumber(producer.serverVersion)} server` : null].filter(Boolean).join(', ');
    return { major: Math.max(...majors), from: `the dump (${made})` };
  }
  const declared = majorOf(declaredVersion);
  return declared === undefined ? undefined : { major: declared, from: "the plan's engineVersion" };
}

export async function chooseServer(wanted: WantedMajor | undefined, installs: PostgresInstallations): Promise<ServerChoice> {
  const available = await installs.list();
  if (!wanted) {
    if (available[0]) return { bins: available[0] };
    const newestPinned = installs.pinnedBuilds().map((build) => build.major).sort((a, b) => b - a)[0];
    if (newestPinned !== undefined && installs.canInstall(newestPinned)) return { bins: await installs.install(newestPinned), note: `PostgreSQL ${newestPinned} tools were installed for this drill` };
    throw sandboxCannotRestore(`no PostgreSQL tools are installed on this worker: run \`npm run setup\`, or set RESTORE_DRILL_PG_BIN to their bin directory`);
  }
  const exact = available.find((install) => install.major === wanted.major);
  if (exact) return { bins: exact };
  const newer = available.filter((install) => install.major > wanted.major).at(-1);
  let installFailure = '';
  if (installs.canInstall(wanted.major)) {
    try {
      return { bins: await installs.install(wanted.major), note: `PostgreSQL ${wanted.major} tools were installed for this dump` };
    } catch (err) {
      // Offline, a newer major still restores the dump; without one the failure is the answer.
      if (!newer) throw err;
      installFailure = ` (${(err as Error).message.split(':')[0]})`;
    }
  }
  if (newer) {
    return { bins: newer, note: `PostgreSQL ${wanted.major} tools are not installed${installFailure}; restored with PostgreSQL ${newer.version}, which loads dumps of older versions` };
  }
  const installed = available.length > 0 ? `installed here: ${available.map((install) => install.major).join(', ')}` : 'none is installed here';
  const remedy = installs.pinnedBuilds().some((build) => build.major === wanted.major)
    ? `run \`${installs.installCommand(wanted.major)}\` on the worker host`
    : `install PostgreSQL ${wanted.major} and add its bin directory to RESTORE_DRILL_PG_BIN`;
  throw sandboxCannotRestore(`PostgreSQL ${wanted.major} tools are not installed (${installed}), and ${wanted.from} needs them: ${remedy}, or use an ecs sandbox with a PostgreSQL ${wanted.major} image`);
}

function majorOf(version: string | null | undefined): number | undefined {
  const first = version?.match(/^\d+/)?.[0];
  return first === undefined ? undefined : Number(first);
}
