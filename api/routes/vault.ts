/**
 * /api/vault (managers only): the vault's credentials by metadata (never any secret), adding one
 * from the same text `drill vault add --from-file` reads, and removing one. The vault records the
 * signed-in manager as the actor of every add and removal; the audit trail records the route.
 * Material and passphrases go into the vault and nowhere else: not into answers, error messages,
 * the audit trail or logs.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { CREDENTIAL_KINDS } from '../../core/credentials.js';
import { CREDENTIAL_NAME, VAULT_BACKENDS, VaultError, type AddCredential, type Vault, type VaultEntry } from '../../activities/vault/index.js';
import { ApiError } from '../middleware/errors.js';
import { errors, json, jsonBody, router } from './route-kit.js';
import { signedIn } from './users.js';

const tags = ['vault'];
/** Keys, identities and JSON credentials are a few KiB; this leaves room for long PGP keys. */
export const MAX_MATERIAL_CHARS = 64 * 1024;

/** What the API needs of the vault. */
export type VaultAdmin = Pick<Vault, 'add' | 'list' | 'remove'>;

const credentialNameSchema = z.string().regex(CREDENTIAL_NAME, 'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit (at most 128 characters)');

export const vaultEntrySchema = z
  .object({
    name: z.string(),
    kind: z.enum(CREDENTIAL_KINDS),
    backend: z.enum(VAULT_BACKENDS),
    fingerprint: z.string().nullable().describe('a non-secret identifier (SSH/PGP fingerprint, age recipient, masked AWS key id, user name, host…); null where none is safe to show'),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().describe('the last time a drill or sign-in read it'),
  })
  .meta({ id: 'VaultEntry' });

const createBody = z
  .object({
    name: credentialNameSchema,
    kind: z.enum(CREDENTIAL_KINDS),
    material: z.string().min(1, 'paste the credential').max(MAX_MATERIAL_CHARS, `at most ${MAX_MATERIAL_CHARS} characters`).describe('the text `drill vault add --from-file` reads: an OpenSSH/PEM private key, an ASCII-armored PGP key, age identities, JSON (aws, http, smtp), or a first line (db-password, secret-url, webhook-secret, oidc-client)'),
    passphrase: z.string().max(1024).optional().describe('ssh-key and pgp-key: the key\'s passphrase'),
    hostFingerprint: z.string().max(100).optional().describe('ssh-key: the server\'s host key, "SHA256:…" as `ssh-keygen -lf` prints it (SFTP refuses to connect without it)'),
    backend: z.enum(VAULT_BACKENDS).default('local').describe('local (encrypted in the history database) or aws (Secrets Manager)'),
  })
  .strict();
const nameParam = z.object({ name: z.string().min(1).max(200).describe('credential name') });

function view(entry: VaultEntry): z.infer<typeof vaultEntrySchema> {
  return { name: entry.name, kind: entry.kind, backend: entry.backend, fingerprint: entry.fingerprint, createdAt: entry.createdAt.toISOString(), lastUsedAt: entry.lastUsedAt?.toISOString() ?? null };
}

/**
 * The vault's refusal in the API's shape. Its messages are written never to quote material; as a
 * second guard, one that contains a line of the material or the passphrase is replaced.
 */
function refusal(err: VaultError, request?: Pick<AddCredential, 'name' | 'kind' | 'material' | 'passphrase'>): ApiError {
  const secrets = request ? [...String(request.material).split(/\r?\n/), request.passphrase ?? ''].map((s) => s.trim()).filter((s) => s.length >= 6) : [];
  const leaks = secrets.some((secret) => err.message.includes(secret));
  const message = leaks ? `${request!.kind}: the material is not a valid ${request!.kind} credential` : err.message.replace(/ with --passphrase-file/g, ' in "passphrase"');
  switch (err.code) {
    case 'invalid-name':
    case 'invalid-material':
      return new ApiError(400, 'validation_failed', message);
    case 'exists':
      return new ApiError(409, 'conflict', `a credential named "${request?.name ?? ''}" already exists in the vault: remove it first`);
    case 'not-found':
      return new ApiError(404, 'not_found', message);
    case 'no-master-key':
    case 'bad-master-key':
    case 'unknown-master-key':
    case 'aws':
    case 'aws-credentials':
      return new ApiError(503, 'vault_unavailable', message);
    default:
      return new ApiError(409, 'conflict', message);
  }
}

export function vaultRoutes(deps: { vault: VaultAdmin }) {
  const { vault } = deps;
  return router()
    .openapi(
      createRoute({ method: 'get', path: '/', tags, summary: 'List the vault\'s credentials: metadata only, never a secret', responses: { 200: json(z.object({ credentials: z.array(vaultEntrySchema) }), 'by name'), ...errors(401, 403) } }),
      async (c) => c.json({ credentials: (await vault.list()).map(view) }, 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary: 'Add a credential; the answer is its metadata, the material never leaves the vault',
        request: { body: jsonBody(createBody) },
        responses: { 201: json(vaultEntrySchema, 'the credential'), ...errors(400, 401, 403, 409, 413, 415, 503) },
      }),
      async (c) => {
        const body = c.req.valid('json');
        c.set('audit', { target: body.name, details: { kind: body.kind, backend: body.backend } });
        const request: AddCredential = {
          name: body.name,
          kind: body.kind,
          material: body.material,
          backend: body.backend,
          actor: signedIn(c).name,
          ...(body.passphrase !== undefined && body.passphrase !== '' ? { passphrase: body.passphrase } : {}),
          ...(body.hostFingerprint !== undefined && body.hostFingerprint.trim() !== '' ? { hostFingerprint: body.hostFingerprint.trim() } : {}),
        };
        if (request.hostFingerprint !== undefined && body.kind !== 'ssh-key') throw new ApiError(400, 'validation_failed', 'hostFingerprint: only for an ssh-key');
        if (request.passphrase !== undefined && body.kind !== 'ssh-key' && body.kind !== 'pgp-key') throw new ApiError(400, 'validation_failed', 'passphrase: only for an ssh-key or a pgp-key');
        try {
          return c.json(view(await vault.add(request)), 201);
        } catch (err) {
          if (err instanceof VaultError) throw refusal(err, request);
          throw err;
        }
      },
    )
    .openapi(
      createRoute({ method: 'delete', path: '/{name}', tags, summary: 'Remove a credential: its secret is destroyed, the vault\'s audit log keeps its history', request: { params: nameParam }, responses: { 204: { description: 'removed' }, ...errors(401, 403, 404, 503) } }),
      async (c) => {
        const { name } = c.req.valid('param');
        c.set('audit', { target: name });
        try {
          const removed = await vault.remove(name, { actor: signedIn(c).name });
          c.set('audit', { target: name, details: { kind: removed.kind, backend: removed.backend } });
        } catch (err) {
          if (err instanceof VaultError) throw refusal(err);
          throw err;
        }
        return c.body(null, 204);
      },
    );
}
