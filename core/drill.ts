/**
 * The drill's data contract: what a workflow is started with and what it returns. Everything here
 * crosses Temporal's history, so it holds paths and ids, never credentials.
 */
import { z } from 'zod';
import { planIdSchema, planSchema, type Plan } from './plan.js';
import { describeSource } from './source.js';
import type { DumpFormat, Engine } from './engines.js';

export { DUMP_FORMATS, ENGINE_FORMATS, ENGINES, type DumpFormat, type Engine } from './engines.js';
export { describeSource, fileSourceSchema, sourceSchema, uriSourceSchema, type BackupSourceSpec, type FileSource, type UriSource } from './source.js';
export { drillChecksSchema, type DrillChecks } from './checks.js';

export const STEP_NAMES = ['locate', 'provision', 'restore', 'inspect', 'verify', 'report', 'teardown'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** passed/failed are verdicts on the backup; error/cancelled mean no verdict could be reached. */
export const OUTCOMES = ['running', 'passed', 'failed', 'error', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Why a drill ran. A canary drills a deliberately damaged copy of the plan's latest backup: it
 * must fail and alert, proving the alert path end to end; it never counts as the plan's verdict.
 */
export const DRILL_TRIGGERS = ['manual', 'schedule', 'api', 'canary'] as const;
export type DrillTrigger = (typeof DRILL_TRIGGERS)[number];

export const AD_HOC_PLAN_NAME = 'ad hoc';

/**
 * The flat form `{engine, source, checks, …}` that `temporal workflow start` users and older
 * clients send is an unsaved plan: it becomes `{plan: {…}}`.
 */
function flatPlanToInput(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || 'plan' in raw || !('engine' in raw)) return raw;
  const { planId, trigger, requestedBy, ...plan } = raw as Record<string, unknown>;
  const name = typeof plan.name === 'string' ? plan.name : `${AD_HOC_PLAN_NAME}: ${describeSource(plan.source as never)}`.slice(0, 100);
  return { ...(planId !== undefined ? { planId } : {}), ...(trigger !== undefined ? { trigger } : {}), ...(requestedBy !== undefined ? { requestedBy } : {}), plan: { ...plan, name } };
}

const drillInputObjectSchema = z
  .object({
    /** A saved plan: without `plan`, the drill snapshots the stored plan when it starts. */
    planId: planIdSchema.optional(),
    /** The plan to run as given (an ad-hoc drill, or a caller that already holds the snapshot). */
    plan: planSchema.optional(),
    trigger: z.enum(DRILL_TRIGGERS).default('manual'),
    /** Who asked, for history and alerts: "cli:alice", "api", a schedule id. */
    requestedBy: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((input) => input.planId !== undefined || input.plan !== undefined, 'give a plan to run, or the planId of a saved plan');

export const drillInputSchema = z.preprocess(flatPlanToInput, drillInputObjectSchema);

/** The flat form: an unsaved plan's fields at the top level (its name optional). */
export type FlatDrillRequest = Omit<z.input<typeof planSchema>, 'name'> & { name?: string; planId?: string; trigger?: DrillTrigger; requestedBy?: string };
/** What callers send (defaults optional), e.g. from the `temporal` CLI. */
export type DrillRequest = z.input<typeof drillInputObjectSchema> | FlatDrillRequest;
/** What the workflow is started with once defaults are applied. */
export type DrillInput = z.output<typeof drillInputObjectSchema>;

/** The plan a drill runs, fixed when it starts: later edits of the plan never reach it. */
export interface PlanSnapshot {
  planId: string | null;
  /** The stored plan's version the snapshot was taken from; null for an ad-hoc plan. */
  planVersion: number | null;
  plan: Plan;
  /**
   * Where `plan` came from: read from storage by the drill itself, or given in the workflow's
   * input beside a plan id (the drill is then filed under that plan but ran what it was given).
   */
  planOrigin?: 'stored' | 'request';
  trigger: DrillTrigger;
  requestedBy: string | null;
  /**
   * Why the stored plan cannot run (it no longer validates, it was deleted): the drill ends at
   * once as an error, recorded under the plan and told through the routes it still has.
   */
  problem?: string;
}

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
  planName: string;
  trigger: DrillTrigger;
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
  /** The sandbox server's product and version, as it reported itself ("PostgreSQL 17.11"). */
  sandboxServer?: string | null;
  steps: StepRecord[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Canary drills only: what the drill of the damaged copy proved. */
  canary?: CanaryRecord;
}

/** What a canary drill proved: the damage was caught, and the alert reached the plan's channels. */
export interface CanaryRecord {
  detected: boolean;
  alerted: boolean;
  /** Per channel: delivered or why not. */
  deliveries: Array<{ channel: string; status: 'sent' | 'failed'; detail: string | null }>;
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
  /** The slot of its sandbox root it holds (activities/sandboxes/slots.ts); absent in sandboxes made before slots. */
  slot?: number;
  /** As root: the host's sandbox account lease it holds (`rd-sandbox-<accountSlot>`). */
  accountSlot?: number;
  database: string;
  /** Parallel restore jobs the sandbox may run (from the plan's sandbox size). */
  jobs?: number;
}
