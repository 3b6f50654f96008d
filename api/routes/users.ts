/**
 * /api/users (managers only): add, list, change the role of, disable, re-enable and remove users.
 * The last active manager cannot be removed, disabled or demoted. A user added without a password
 * gets a generated one, shown once in the answer.
 */
import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { emailSchema } from '../../core/email.js';
import type { HistoryDb } from '../../db/client.js';
import type { SignedIn } from '../auth/actor.js';
import { MAX_PASSWORD_LENGTH, passwordProblem } from '../auth/passwords.js';
import { changeUser, createUser, findUser, listUsers, userView } from '../auth/users.js';
import type { AuthEnv } from '../middleware/authenticate.js';
import { ApiError } from '../middleware/errors.js';
import { errors, idParam, json, jsonBody, router } from './route-kit.js';

const tags = ['users'];
const role = z.enum(['manager', 'user']);

export const userViewSchema = z
  .object({ id: z.string(), email: z.string(), displayName: z.string().nullable(), role, disabled: z.boolean(), passwordSignIn: z.boolean(), createdAt: z.string(), createdBy: z.string() })
  .meta({ id: 'User' });
const createBody = z.object({ email: emailSchema, role: role.default('user'), displayName: z.string().trim().min(1).max(200).optional(), password: z.string().max(MAX_PASSWORD_LENGTH).optional() }).strict();
const updateBody = z
  .object({ role: role.optional(), disabled: z.boolean().optional(), password: z.string().max(MAX_PASSWORD_LENGTH).optional() })
  .strict()
  .refine((body) => Object.keys(body).length === 1, { message: 'change one thing at a time: role, disabled or password' });

/** The signed-in caller; the gate lets nobody else reach routes that use it. */
export function signedIn(c: Context<AuthEnv>): SignedIn {
  const actor = c.var.actor;
  if (actor.kind !== 'user') throw new ApiError(401, 'unauthorized', 'sign in first');
  return actor;
}

function checkedPassword(password: string): string {
  const problem = passwordProblem(password);
  if (problem) throw new ApiError(400, 'validation_failed', `password: ${problem}`);
  return password;
}

export function userRoutes(deps: { db: HistoryDb }) {
  const { db } = deps;
  return router()
    .openapi(createRoute({ method: 'get', path: '/', tags, summary: 'List users', responses: { 200: json(z.object({ users: z.array(userViewSchema) }), 'by email'), ...errors(401, 403) } }), async (c) =>
      c.json({ users: (await listUsers(db)).map(userView) }, 200),
    )
    .openapi(
      createRoute({ method: 'post', path: '/', tags, summary: 'Add a user', request: { body: jsonBody(createBody) }, responses: { 201: json(z.object({ user: userViewSchema, initialPassword: z.string().optional().describe('generated when none was given: shown once') }), 'the user'), ...errors(400, 401, 403, 409) } }),
      async (c) => {
        const body = c.req.valid('json');
        c.set('audit', { target: body.email, details: { role: body.role } });
        const generated = body.password === undefined ? randomBytes(18).toString('base64url') : undefined;
        const user = await createUser(db, { email: body.email, role: body.role, displayName: body.displayName, password: generated ?? checkedPassword(body.password!), createdBy: signedIn(c).name });
        return c.json({ user: userView(user), ...(generated ? { initialPassword: generated } : {}) }, 201);
      },
    )
    .openapi(createRoute({ method: 'get', path: '/{id}', tags, summary: 'One user', request: { params: idParam('user') }, responses: { 200: json(userViewSchema, 'the user'), ...errors(401, 403, 404) } }), async (c) =>
      c.json(userView(await findUser(db, c.req.valid('param').id)), 200),
    )
    .openapi(
      createRoute({ method: 'patch', path: '/{id}', tags, summary: "Change a user's role, disable or re-enable them, or set their password (ends their sessions)", request: { params: idParam('user'), body: jsonBody(updateBody) }, responses: { 200: json(userViewSchema, 'the user'), ...errors(400, 401, 403, 404, 409) } }),
      async (c) => {
        const body = c.req.valid('json');
        const { id } = c.req.valid('param');
        const change = body.role !== undefined ? { role: body.role } : body.disabled !== undefined ? { disabled: body.disabled } : { password: checkedPassword(body.password!) };
        c.set('audit', { action: 'role' in change ? 'users.role' : 'disabled' in change ? (change.disabled ? 'users.disable' : 'users.enable') : 'users.password', target: id, details: 'password' in change ? {} : change });
        return c.json(userView(await changeUser(db, id, change)), 200);
      },
    )
    .openapi(createRoute({ method: 'delete', path: '/{id}', tags, summary: 'Remove a user; their sessions and tokens end at once', request: { params: idParam('user') }, responses: { 204: { description: 'removed' }, ...errors(401, 403, 404, 409) } }), async (c) => {
      const removed = await changeUser(db, c.req.valid('param').id, { remove: true });
      c.set('audit', { target: removed.email });
      return c.body(null, 204);
    });
}
