/** /api/evidence/key: the public key drill evidence is signed with, for offline verification. */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { EVIDENCE_FORMAT } from '../../core/evidence.js';
import type { EvidenceSigner } from '../evidence/signing-key.js';
import { errors, idParam, json, router } from './route-kit.js';

export const evidenceKeySchema = z.object({ algorithm: z.literal('Ed25519'), keyId: z.string(), publicKeyPem: z.string() }).meta({ id: 'EvidenceKey' });

export const signedEvidenceSchema = z
  .object({
    format: z.literal(EVIDENCE_FORMAT),
    evidence: z.record(z.string(), z.unknown()).describe('who started the drill, plan snapshot, backup identity, engine versions, checks, per-table counts, timings, verdict'),
    signature: z.object({ algorithm: z.literal('Ed25519'), keyId: z.string(), value: z.string().describe('base64 Ed25519 signature of the canonical JSON of {format, keyId, evidence}') }),
  })
  .meta({ id: 'SignedEvidence' });

export function evidenceKeyRoutes(deps: { signer: EvidenceSigner }) {
  return router().openapi(
    createRoute({ method: 'get', path: '/key', tags: ['evidence'], summary: 'The public key drill evidence is signed with (PEM)', responses: { 200: json(evidenceKeySchema, 'the key'), ...errors(401) } }),
    (c) => c.json({ algorithm: 'Ed25519' as const, keyId: deps.signer.keyId, publicKeyPem: deps.signer.publicKeyPem }, 200),
  );
}

export const drillEvidenceRoute = createRoute({
  method: 'get',
  path: '/{id}/evidence',
  tags: ['drills', 'evidence'],
  summary: 'Signed evidence of a finished drill: one JSON document to keep; `drill evidence verify` checks it offline',
  request: { params: idParam('drill') },
  responses: { 200: json(signedEvidenceSchema, 'the signed evidence'), ...errors(401, 404, 409) },
});
