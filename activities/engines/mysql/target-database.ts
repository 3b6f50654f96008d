/**
 * Which database a MySQL dump restores into (remembered for the deeper checks by
 * ../../sandboxes/restored-database.ts: assertions run with it as their default database).
 */

export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export interface TargetDatabase {
  name: string;
  /** Where the name came from, for the restore check. */
  from: string;
  /** False when neither the dump nor the plan named it. */
  known: boolean;
}

/**
 * A dump of one database made without --databases has no CREATE DATABASE / USE: it restores into
 * whatever database the client starts in, yet its views, triggers and routines may name the
 * database they were dumped from. mysqldump records that name in its header; restoring under it
 * keeps those references working. (A dump with its own USE statements goes where they say anyway.)
 */
export function targetDatabase(headText: string, planDatabase: string | undefined, sandboxDefault: string): TargetDatabase {
  const recorded = /^-- Host: .*?\bDatabase: (.+?)\s*$/m.exec(headText)?.[1];
  if (recorded && isSafeDatabaseName(recorded) && !SYSTEM_SCHEMAS.includes(recorded.toLowerCase())) {
    return { name: recorded, from: "named in the dump's header", known: true };
  }
  if (planDatabase) return { name: planDatabase, from: "the plan's database", known: true };
  return { name: sandboxDefault, from: 'the dump names none', known: false };
}

/** A name the client takes as a database, never as an option or a path. */
export function isSafeDatabaseName(name: string): boolean {
  return name.length > 0 && name.length <= 64 && !name.startsWith('-') && !/[\p{Cc}\p{Cf}`/\\]/u.test(name) && name === name.trim();
}
