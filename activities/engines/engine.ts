/**
 * What a database engine must do for a drill, whatever the engine: run an empty server inside a
 * sandbox, restore a backup into it, count what came back, and answer the deeper checks. Adding an
 * engine is one module implementing this plus one line in ./registry.ts.
 */
import type { AssertionQuery, ScalarValue } from '../../core/checks.js';
import type { BackupContent } from '../backup-content.js';
import type { BackupRef, Check, DumpFormat, SandboxHandle, TableStat } from '../../core/drill.js';

export interface RestoreRequest {
  sandbox: SandboxHandle;
  backup: BackupRef;
  /** The backup's bytes, decrypted; engines read these, never the source directly. */
  content: BackupContent;
  requestedFormat: DumpFormat;
  /** Version of the server that made the backup, as the plan declares it ("16", "10.11", "7.0"). */
  declaredVersion: string | undefined;
  /** Where a dump that names no database of its own restores, when the plan says (MySQL). */
  defaultDatabase?: string;
  /** Extra error patterns (regex source) the plan declares harmless for this backup. */
  allowedErrors: string[];
  /** Attempts after the first start from empty databases again. */
  isRetry: boolean;
  signal: AbortSignal;
  onProgress: (bytesDone: number) => void;
}

/** Who wrote the dump, as read from the dump itself before anything is restored. */
export interface Producer {
  /** e.g. "pg_dump 16.4", "mariadb-dump 10.11.6", "mongodump 100.9.4". */
  tool: string | null;
  /** Version of the server the dump was taken from, when the dump records it. */
  serverVersion: string | null;
}

export interface RestoreSummary {
  format: Exclude<DumpFormat, 'auto'>;
  bytesRead: number;
  producer: Producer | null;
  /** Includes a `producer` check (level restorable) when the dump names its producer. */
  checks: Check[];
}

export interface InspectRequest {
  sandbox: SandboxHandle;
  signal: AbortSignal;
  onTableCounted: (done: number, total: number) => void;
}

export interface QueryRequest {
  sandbox: SandboxHandle;
  signal: AbortSignal;
  /** The engine must abort the query itself after this long (server-side where it can). */
  timeoutMs: number;
}

/** A table/collection as plans name it: `name`, or `schema.name` / `database.collection`. */
export interface ObjectRef {
  schema: string;
  name: string;
}

export interface IntegrityReport {
  /** How the engine checked, for the check's message ("amcheck bt_index_check(heapallindexed)"). */
  method: string;
  /** Objects (indexes, tables, collections) checked. */
  checked: number;
  /** One line per object found damaged; empty means healthy. */
  problems: string[];
  /** Set when the server cannot run its native check at all (e.g. a wire-compatible server). */
  unsupported?: string;
}

export interface EngineAdapter {
  /**
   * Starts an empty server in the (already created) sandbox, of the plan's version where it can;
   * an engine whose version depends on the dump may start it in `restore` instead.
   */
  startServer(sandbox: SandboxHandle, hints?: { engineVersion?: string }): Promise<void>;
  /** Stops the sandbox's server at once and makes sure no process of it is left. Safe to repeat. */
  stopServer(sandbox: SandboxHandle): Promise<void>;
  /**
   * Reads the producer from the dump, refuses (BackupRejected, check `producer`) a dump these
   * restore tools cannot handle before touching the server, then restores.
   */
  restore(request: RestoreRequest): Promise<RestoreSummary>;
  /** Every user table with an exact row count, reading every row. */
  inspect(request: InspectRequest): Promise<TableStat[]>;
  /** How inspect reads, for the `readable` check's message. */
  readMethod: string;
  /** Runs a user's read-only query and returns its single value (first column of first row). */
  runAssertion(request: QueryRequest & { query: AssertionQuery }): Promise<ScalarValue>;
  /** Newest value of a timestamp column/field; null when the table is empty or all values null. */
  newestTimestamp(request: QueryRequest & { table: ObjectRef; column: string }): Promise<Date | null>;
  /** The engine's own integrity check over every table/index/collection restored. */
  checkIntegrity(request: QueryRequest): Promise<IntegrityReport>;
  /**
   * The sandbox server's product and version as the server itself reports it ("PostgreSQL 17.11",
   * "MariaDB 11.4.5", "FerretDB 1.24.0"), for the drill's evidence. Read from values a restored
   * dump cannot redefine (settings and server variables, not functions).
   */
  serverVersion(request: QueryRequest): Promise<string>;
}
