/** A finished drill's record, as the signed evidence document auditors keep. */
import { signEvidence, type EvidenceDocument, type SignedEvidence } from '../../core/evidence.js';
import type { BackupRef, PlanSnapshot } from '../../core/drill.js';
import type { HistoryDb } from '../../db/client.js';
import { getDrill, type DrillDetail } from '../../db/queries/drill-reads.js';
import { ApiError, notFound } from '../middleware/errors.js';
import type { EvidenceSigner } from './signing-key.js';

/** Scheduled drills are requested by "schedule <schedule id>" (activities/schedules/plan-schedule.ts). */
const SCHEDULE_REQUESTER = /^schedule (\S+)$/;

export function drillEvidence(detail: DrillDetail, issuer: string, issuedAt: Date): EvidenceDocument {
  const snapshot = detail.request as PlanSnapshot;
  const requestedBy = snapshot.requestedBy ?? null;
  return {
    issuedAt: issuedAt.toISOString(),
    issuer,
    drill: {
      id: detail.id,
      verdict: detail.outcome,
      failedStep: detail.failedStep,
      reason: detail.reason,
      startedAt: detail.startedAt.toISOString(),
      finishedAt: detail.finishedAt?.toISOString() ?? null,
      durationMs: detail.durationMs,
      temporalWorkflowId: detail.id,
    },
    startedBy: { trigger: detail.trigger, by: requestedBy, schedule: requestedBy?.match(SCHEDULE_REQUESTER)?.[1] ?? null },
    plan: { id: detail.planId, name: detail.planName, version: snapshot.planOrigin === 'request' ? null : detail.planVersion, origin: snapshot.planOrigin ?? 'unknown', snapshot: withoutUriSecrets(snapshot.plan) },
    backup: detail.backup ? backupEvidence(detail.backup) : null,
    engines: {
      engine: detail.engine,
      format: detail.format,
      producer: detail.checks.find((check) => check.name === 'producer')?.observed ?? null,
      sandbox: detail.sandboxServer,
    },
    checks: detail.checks.map(({ name, level, passed, observed, expected, message }) => ({ name, level, passed, observed, expected, message })),
    tables: detail.tables.map(({ database, schema, name, rows }) => ({ database, schema, name, rows })),
    tableCount: detail.tableCount,
    totalRows: detail.totalRows,
    timings: detail.steps.map((step) => ({
      step: step.name,
      status: step.status,
      startedAt: step.startedAt.toISOString(),
      finishedAt: step.finishedAt?.toISOString() ?? null,
      durationMs: step.durationMs,
      bytes: step.bytes,
    })),
  };
}

function backupEvidence(backup: BackupRef): NonNullable<EvidenceDocument['backup']> {
  const verified = backup.sidecarVerified ? 'matched its .sha256 sidecar' : backup.sha256From === 'object' ? "matched the object store's checksum" : backup.sha256 ? 'computed while the drill read it' : null;
  return { location: redactUri(backup.uri), path: backup.path, sizeBytes: backup.sizeBytes, modifiedAt: backup.modifiedAt, sha256: backup.sha256, sha256Verified: verified };
}

export interface EvidenceDeps {
  db: HistoryDb;
  signer: EvidenceSigner;
  /** Named in every document as the deployment that signed it. */
  issuer: string;
}

export async function signedDrillEvidence(deps: EvidenceDeps, drillId: string): Promise<SignedEvidence> {
  const detail = await getDrill(deps.db, drillId);
  if (!detail) throw notFound(`no drill with id "${drillId}"`);
  if (detail.outcome === 'running') throw new ApiError(409, 'drill_running', `drill ${drillId} is still running: evidence is signed once it has a verdict`);
  return signEvidence(drillEvidence(detail, deps.issuer, new Date()), deps.signer.privateKey);
}

/**
 * Evidence is handed to auditors: a URI's query (presigned S3 URLs, SAS tokens, `?token=`) and
 * user part can be credentials, so neither is kept.
 */
export function redactUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (!url.search && !url.username && !url.password) return uri;
    url.search = url.search ? '?…' : '';
    url.username = url.username ? '…' : '';
    url.password = '';
    return url.href.replace('?%E2%80%A6', '?…').replace('%E2%80%A6@', '…@');
  } catch {
    return uri;
  }
}

function withoutUriSecrets(plan: unknown): unknown {
  if (!plan || typeof plan !== 'object') return plan;
  const source = (plan as { source?: { uri?: unknown } }).source;
  if (!source || typeof source.uri !== 'string') return plan;
  return { ...plan, source: { ...source, uri: redactUri(source.uri) } };
}
