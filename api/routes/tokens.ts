/** /api/tokens: the caller's personal API tokens. The secret is in the creation answer only. */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { HistoryDb } from '../../db/client.js';
import { createToken, listTokens, revokeToken, tokenView } from '../auth/tokens.js';
import { ApiError } from '../middleware/errors.js';
import { errors, idParam, json, jsonBody, router } from './route-kit.js';
import { signedIn } from './users.js';

const tags = ['tokens'];
const MAX_TOKEN_DAYS = 3650;

const tokenViewSchema = z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), lastUsedAt: z.string().nullable() }).meta({ id: 'ApiToken' });
const createBody = z
  .object({
    name: z.string().trim().min(1).max(100).regex(/^[\p{L}\p{N} ._@:-]+$/u, 'letters, digits, spaces and . _ @ : - only'),
    expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional().describe('none: the token lasts until revoked'),
  })
  .strict();

export function tokenRoutes(deps: { db: HistoryDb }) {
  const { db } = deps;
  return router()
    .openapi(createRoute({ method: 'get', path: '/', tags, summary: "The caller's live tokens (never their secrets)", responses: { 200: json(z.object({ tokens: z.array(tokenViewSchema) }), 'newest first'), ...errors(401) } }), async (c) =>
      c.json({ tokens: (await listTokens(db, signedIn(c).userId)).map(tokenView) }, 200),
    )
    .openapi(
      createRoute({ method: 'post', path: '/', tags, summary: 'Make a token; its secret is shown in this answer only', request: { body: jsonBody(createBody) }, responses: { 201: json(tokenViewSchema.extend({ token: z.string().describe('send as Authorization: Bearer …; shown once') }), 'the token'), ...errors(400, 401) } }),
      async (c) => {
        const { name, expiresInDays } = c.req.valid('json');
        c.set('audit', { target: name });
        const { secret, row } = await createToken(db, signedIn(c).userId, name, expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null);
        return c.json({ ...tokenView(row), token: secret }, 201);
      },
    )
    .openapi(createRoute({ method: 'delete', path: '/{id}', tags, summary: 'Revoke one of the caller\'s tokens', request: { params: idParam('token') }, responses: { 204: { description: 'revoked' }, ...errors(401, 404) } }), async (c) => {
      if (!(await revokeToken(db, signedIn(c).userId, c.req.valid('param').id))) throw new ApiError(404, 'not_found', 'no such live token of yours');
      return c.body(null, 204);
    });
}
