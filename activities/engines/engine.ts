/**
 * What a database engine must do for a drill, whatever the engine: run an empty server inside a
 * sandbox, restore a backup into it, and count what came back. Adding an engine is one module
 * implementing this plus one line in ./registry.ts.
 */
import type { BackupRef, Check, DumpFormat, SandboxHandle, TableStat } from '../../core/drill.js';

export interface RestoreRequest {
  sandbox: SandboxHandle;
  backup: BackupRef;
  requestedFormat: DumpFormat;
  /** Attempts after the first start from empty databases again. */
  isRetry: boolean;
  signal: AbortSignal;
  onProgress: (bytesDone: number) => void;
}

export interface RestoreSummary {
  format: Exclude<DumpFormat, 'auto'>;
  bytesRead: number;
  checks: Check[];
}

export interface InspectRequest {
  sandbox: SandboxHandle;
  signal: AbortSignal;
  onTableCounted: (done: number, total: number) => void;
}

export interface EngineAdapter {
  /** Starts an empty server in the (already created) sandbox. */
  startServer(sandbox: SandboxHandle): Promise<void>;
  /** Stops the sandbox's server at once and makes sure no process of it is left. Safe to repeat. */
  stopServer(sandbox: SandboxHandle): Promise<void>;
  restore(request: RestoreRequest): Promise<RestoreSummary>;
  /** Every user table with an exact row count, reading every row. */
  inspect(request: InspectRequest): Promise<TableStat[]>;
  /** How inspect reads, for the `readable` check's message. */
  readMethod: string;
}
