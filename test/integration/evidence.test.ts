/**
 * Signed drill evidence end to end: a real drill started through the API by a signed-in user,
 * its evidence fetched over HTTP and with the CLI, verified offline against the published key,
 * and refused once changed in any way that matters.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.js';
import { PROJECT_ROOT } from '../../core/config.js';
import { signEvidence, verifyEvidence, type SignedEvidence } from '../../core/evidence.js';
import { apiCaller } from '../support/api-calls.js';
import { useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { FIXTURE_FILES } from '../support/fixtures.js';

const execFileAsync = promisify(execFile);
const DRILL_BIN = path.join(PROJECT_ROOT, 'cli', 'bin.js');

let env: DrillTestEnv;
useDrillTestEnv('evidence', (created) => (env = created));

let api: ApiServer;
let user: { email: string; token: string };
let drillId: string;
let dir: string;

beforeAll(async () => {
  api = await env.startApi();
  user = await env.signIn('auditor-evidence@example.com', 'user');
  dir = fs.mkdtempSync(path.join(env.scratchDir, 'evidence-'));
  const started = await apiCaller(() => api.url, () => user.token)('POST', '/api/drills', { plan: { name: 'evidence drill', engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.custom) } } });
  expect(started.status).toBe(202);
  drillId = started.body.drillId;
  await env.client.workflow.getHandle(drillId).result();
});

async function drill(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [DRILL_BIN, ...args], { env: { ...process.env, RESTORE_DRILL_API: api.url, RESTORE_DRILL_TOKEN: user.token } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('signed evidence', () => {
  it('names who started the drill, the backup by sha256, both engine versions, every check and count', async () => {
    const answer = await apiCaller(() => api.url, () => user.token)('GET', `/api/drills/${drillId}/evidence`);
    expect(answer.status).toBe(200);
    const signed = answer.body as SignedEvidence;
    const { evidence } = signed;
    expect(signed).toMatchObject({ format: 'restore-drill-evidence/1', signature: { algorithm: 'Ed25519' } });
    expect(evidence.drill).toMatchObject({ id: drillId, verdict: 'passed', failedStep: null, temporalWorkflowId: drillId });
    expect(evidence.startedBy).toEqual({ trigger: 'api', by: `${user.email} (token tests)`, schedule: null });
    expect(evidence.plan).toMatchObject({ id: null, name: 'evidence drill', origin: 'request', snapshot: { engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.custom) } } });
    const bytes = fs.readFileSync(env.fixture(FIXTURE_FILES.custom));
    expect(evidence.backup).toMatchObject({ path: env.fixture(FIXTURE_FILES.custom), sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), sha256Verified: 'computed while the drill read it' });
    expect(evidence.engines.producer).toMatch(/^PostgreSQL \d+\.\d+ .*server, by pg_dump \d+\.\d+/);
    expect(evidence.engines.sandbox).toMatch(/^PostgreSQL \d+\.\d+$/);
    expect(evidence.engines).toMatchObject({ engine: 'postgres', format: 'custom' });
    expect(evidence.checks.map((c) => c.name)).toEqual(['size', 'format', 'producer', 'restore', 'readable', 'tables', 'rows']);
    expect(evidence.checks.every((c) => c.passed && c.observed && c.expected)).toBe(true);
    expect(evidence.tables).toContainEqual({ database: expect.any(String), schema: 'public', name: 'orders', rows: 3400 });
    expect(evidence).toMatchObject({ tableCount: 4, totalRows: 4617 });
    expect(evidence.timings.map((t) => t.step)).toEqual(['locate', 'provision', 'restore', 'inspect', 'teardown', 'report']);
    const key = await apiCaller(() => api.url, () => user.token)('GET', '/api/evidence/key');
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', keyId: signed.signature.keyId });
    expect(verifyEvidence(JSON.stringify(signed), key.body.publicKeyPem)).toMatchObject({ valid: true, keyId: signed.signature.keyId });
  });

  it('verifies offline with the CLI, whatever the file\'s layout, and refuses a tampered file', async () => {
    const file = path.join(dir, 'evidence.json');
    const keyFile = path.join(dir, 'key.pem');
    expect(await drill(['evidence', drillId, '-o', file])).toMatchObject({ code: 0 });
    expect(await drill(['evidence', 'key', '-o', keyFile])).toMatchObject({ code: 0 });
    expect(fs.readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const valid = await drill(['evidence', 'verify', file, '--key', keyFile]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(new RegExp(`^VALID: .*evidence\\.json: signed by key [0-9a-f]{16} \\(.*key\\.pem\\)`, 'm'));
    expect(valid.stdout).toMatch(/made by PostgreSQL .* restored into PostgreSQL \d+\.\d+/);

    const signed = JSON.parse(fs.readFileSync(file, 'utf8')) as SignedEvidence;
    const compact = path.join(dir, 'compact.json');
    fs.writeFileSync(compact, JSON.stringify(signed));
    expect((await drill(['evidence', 'verify', compact, '--key', keyFile])).code).toBe(0);

    const tampered = structuredClone(signed);
    tampered.evidence.tables.find((t) => t.name === 'orders')!.rows = 3401;
    const tamperedFile = path.join(dir, 'tampered.json');
    fs.writeFileSync(tamperedFile, JSON.stringify(tampered, null, 2));
    const refused = await drill(['evidence', 'verify', tamperedFile, '--key', keyFile]);
    expect(refused).toMatchObject({ code: 1, stdout: expect.stringContaining('INVALID: ') });
    expect(refused.stdout).toContain('the signature does not match the content: the file was changed after it was signed');

    // Without --key the CLI asks the API for the key, and says so.
    expect((await drill(['evidence', 'verify', file])).stdout).toContain('(fetched from the API)');
  });

  it('refuses a verdict changed to passed, a file re-signed by another key, and a forged key id', async () => {
    const signed = (await apiCaller(() => api.url, () => user.token)('GET', `/api/drills/${drillId}/evidence`)).body as SignedEvidence;
    const trusted = (await apiCaller(() => api.url, () => user.token)('GET', '/api/evidence/key')).body.publicKeyPem as string;
    const mallory = generateKeyPairSync('ed25519').privateKey;
    const resigned = signEvidence({ ...signed.evidence, drill: { ...signed.evidence.drill, verdict: 'passed' } }, mallory);
    expect(verifyEvidence(JSON.stringify(resigned), trusted)).toEqual({ valid: false, problem: expect.stringMatching(/^signed with key [0-9a-f]{16}, not with the trusted key [0-9a-f]{16}$/) });
    const forgedId = { ...resigned, signature: { ...resigned.signature, keyId: signed.signature.keyId } };
    expect(verifyEvidence(JSON.stringify(forgedId), trusted)).toMatchObject({ valid: false, problem: expect.stringContaining('changed after it was signed') });
    expect(verifyEvidence('{"format":"something else"}', trusted)).toMatchObject({ valid: false, problem: expect.stringContaining('not Restore Drill evidence') });
    expect(verifyEvidence('not json', trusted)).toEqual({ valid: false, problem: 'the file is not JSON' });
    // A verdict shown twice: JSON.parse keeps the last, a reader may see the first.
    const doubled = JSON.stringify(signed).replace('"verdict":"passed"', '"verdict":"failed","verdict":"passed"');
    expect(verifyEvidence(doubled, trusted)).toEqual({ valid: false, problem: 'the file names "verdict" twice in one object: only one of them could be the signed value' });
    expect(verifyEvidence(JSON.stringify({ ...signed, summary: { verdict: 'passed' } }), trusted)).toEqual({ valid: false, problem: 'the file carries fields outside the signature (summary)' });
    const unsigned = { format: signed.format, evidence: signed.evidence };
    expect(verifyEvidence(JSON.stringify(unsigned), trusted)).toEqual({ valid: false, problem: 'the file carries no Ed25519 signature' });
  });

  it('answers 404 for an unknown drill and 409 while a drill runs', async () => {
    const call = apiCaller(() => api.url, () => user.token);
    expect(await call('GET', '/api/drills/drill-does-not-exist/evidence')).toMatchObject({ status: 404, body: { code: 'not_found' } });
    await env.query("INSERT INTO drills (id, engine, source_uri, outcome, request, started_at) VALUES ('drill-evidence-running', 'postgres', 'file:///x', 'running', '{}'::jsonb, now())");
    expect(await call('GET', '/api/drills/drill-evidence-running/evidence')).toMatchObject({ status: 409, body: { code: 'drill_running' } });
    expect(await apiCaller(() => api.url)('GET', `/api/drills/${drillId}/evidence`)).toMatchObject({ status: 401 });
  });
});
