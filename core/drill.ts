/**
 * The drill's data contract: what a workflow is started with and what it returns. Everything here
 * crosses Temporal's history, so it holds paths and ids, never credentials.
 */
import { z } from 'zod';
import { drillChecksSchema } from './checks.js';

export const ENGINES = ['postgres', 'mysql', 'mongodb'] as const;
export type Engine = (typeof ENGINES)[number];

export const DUMP_FORMATS = ['auto', 'custom', 'directory', 'tar', 'plain', 'archive'] as const;
export type DumpFormat = (typeof DUMP_FORMATS)[number];

/** Formats each engine's dump tools write; `auto` tells them apart by content. */
export const ENGINE_FORMATS: Record<Engine, readonly DumpFormat[]> = {
  postgres: ['auto', 'custom', 'directory', 'tar', 'plain'],
  mysql: ['auto', 'plain'],
  mongodb: ['auto', 'archive', 'directory'],
};

export const STEP_NAMES = ['locate', 'provision', 'restore', 'inspect', 'verify', 'report', 'teardown'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** passed/failed are verdicts on the backup; error/cancelled mean no verdict could be reached. */
export const OUTCOMES = ['running', 'passed', 'failed', 'error', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const fileSourceSchema = z
  .object({
    kind: z.literal('file'),
    /** An exact file or dump directory, or (with `pattern`) the directory to search. */
    path: z.string().min(1),
    /** Glob on file names in `path`; the newest match by modification time is drilled. */
    pattern: z.string().min(1).optional(),
  })
  .strict();
export type FileSource = z.infer<typeof fileSourceSchema>;

const VAULT_NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a vault credential name');

/** A backup behind a URI: s3://bucket/key or s3://bucket/prefix/, sftp://user@host:port/path, https://…, file:///… */
export const uriSourceSchema = z
  .object({
    kind: z.literal('uri'),
    uri: z.string().regex(/^(s3|sftp|https?|file):\/\/\S+$/, 'a URI like s3://bucket/key, sftp://user@host/path, https://host/path or file:///path'),
    /** Glob on object names under the URI's prefix/directory: the newest match is drilled. */
    latest: z.string().min(1).optional(),
    /** Vault name of the credential that opens the source (SSH key, AWS keys, HTTP auth). */
    credential: VAULT_NAME.optional(),
  })
  .strict();
export type UriSource = z.infer<typeof uriSourceSchema>;

export const sourceSchema = z.discriminatedUnion('kind', [fileSourceSchema, uriSourceSchema]);
export type BackupSourceSpec = z.infer<typeof sourceSchema>;

/**
 * A source as one URI-like string, for summaries and records (`s3://b/app/app-*.gz`). Tolerates a
 * malformed source: an unparseable request still gets a recorded drill.
 */
export function describeSource(source: Partial<{ kind: string; uri: string; latest: string; path: string; pattern: string }> | undefined): string {
  if (source?.kind === 'uri' && source.uri) return source.latest ? `${source.uri.replace(/\/?$/, '/')}${source.latest}` : source.uri;
  if (!source?.path) return 'unknown source';
  return source.pattern ? `file://${source.path.replace(/\/$/, '')}/${source.pattern}` : `file://${source.path}`;
}

export { drillChecksSchema, type DrillChecks } from './checks.js';

export const drillInputSchema = z
  .object({
    planId: z.string().min(1).optional(),
    engine: z.enum(ENGINES),
    source: sourceSchema,
    /** Vault name of the PGP key or age identity that decrypts the backup (used only if it is encrypted). */
    decryptWith: VAULT_NAME.optional(),
    format: z.enum(DUMP_FORMATS).default('auto'),
    /**
     * Version of the server that made the backup ("16", "16.4", "10.11", "7.0"). The drill reads
     * the producer from the dump too and fails on a mismatch before restoring anything.
     */
    engineVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, 'a version like "16", "16.4" or "10.11.6"').optional(),
    sandbox: z.object({ kind: z.literal('local') }).strict().default({ kind: 'local' }),
    checks: drillChecksSchema.prefault({}),
  })
  .strict()
  .superRefine((input, ctx) => {
    const formats = ENGINE_FORMATS[input.engine];
    if (!formats.includes(input.format)) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: `${input.engine} backups come as ${formats.map((f) => `"${f}"`).join(', ')}; "${input.format}" is not one of them` });
    }
    const sqlAssertion = input.checks.assertions.find((a) => (input.engine === 'mongodb') !== (a.mongo !== undefined));
    if (sqlAssertion) {
      ctx.addIssue({ code: 'custom', path: ['checks', 'assertions'], message: `assertion "${sqlAssertion.name}": ${input.engine === 'mongodb' ? 'MongoDB plans take "mongo" queries, not "sql"' : 'SQL engines take "sql" queries, not "mongo"'}` });
    }
  });
/** What callers send (defaults optional), e.g. from the `temporal` CLI. */
export type DrillRequest = z.input<typeof drillInputSchema>;
/** What the workflow works with once defaults are applied. */
export type DrillInput = z.output<typeof drillInputSchema>;

export interface BackupRef {
  /** Absolute path of the file or dump directory chosen; null for remote sources. */
  path: string | null;
  uri: string;
  sizeBytes: number;
  modifiedAt: string;
  /** Hex sha256 of a single-file backup; null for dump directories. */
  sha256: string | null;
  /** Set when a `<file>.sha256` sidecar existed and matched. */
  sidecarVerified: boolean;
  /** Where a remote source's sha256 came from; it is verified while the bytes stream. */
  sha256From?: 'object' | 'sidecar';
  /** Source-specific, non-secret details `open` needs again (ETag, final URL). */
  sourceDetails?: Record<string, string>;
}

export interface Check {
  name: string;
  passed: boolean;
  observed: string;
  expected: string;
  message: string;
}

export interface TableStat {
  database: string;
  schema: string;
  name: string;
  rows: number;
}

export interface StepRecord {
  name: StepName;
  status: 'running' | 'passed' | 'failed' | 'error' | 'cancelled' | 'skipped';
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  bytes?: number;
  message?: string;
}

export interface DrillProgress {
  drillId: string;
  outcome: Outcome;
  step: StepName | null;
  stepStartedAt: string | null;
  bytesDone: number;
  bytesTotal: number | null;
  steps: StepRecord[];
}

export interface DrillResult {
  drillId: string;
  planId: string | null;
  engine: Engine;
  outcome: Exclude<Outcome, 'running'>;
  failedStep: StepName | null;
  reason: string | null;
  backup: BackupRef | null;
  format: Exclude<DumpFormat, 'auto'> | null;
  checks: Check[];
  /** Per-table exact counts; capped (see tablesTruncated), the full list is in history. */
  tables: TableStat[];
  tablesTruncated: boolean;
  tableCount: number;
  totalRows: number;
  steps: StepRecord[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** Heartbeat and progress-signal payload of long activities. */
export interface ByteProgress {
  bytesDone: number;
  bytesTotal: number | null;
}

/**
 * Where a drill's restore happens. Returned by provisioning and handed to every later activity;
 * it names places and processes, never passwords (the local sandbox uses a private socket dir).
 */
export interface SandboxHandle {
  kind: 'local';
  drillId: string;
  engine: Engine;
  /** Activities that touch the sandbox must run on the worker host that owns it. */
  hostTaskQueue: string;
  dir: string;
  dataDir: string;
  socketDir: string;
  /** Private scratch space (mode 0700) for formats that need a seekable plaintext copy. */
  workDir: string;
  port: number;
  /** OS account the server runs as (a non-root one when the worker runs as root). */
  uid: number;
  gid: number;
  database: string;
}
