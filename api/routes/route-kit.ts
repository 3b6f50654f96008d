/** Pieces every documented route uses: the error body, JSON bodies and responses, id params. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AuthEnv } from '../middleware/authenticate.js';
import { ERROR_CODES, validationHook } from '../middleware/errors.js';

export const errorSchema = z
  .object({
    code: z.enum(ERROR_CODES).describe('stable: branch on this'),
    message: z.string().describe('for people'),
  })
  .meta({ id: 'Error' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request (validation_failed, malformed_json, oidc_state_mismatch)',
  401: 'not signed in (unauthorized, session_expired, token_invalid, invalid_credentials, oidc_failed)',
  403: 'signed in, but this needs the manager role (forbidden); or refused by policy (password_sign_in_disabled, oidc_no_account)',
  429: 'too many failed sign-ins (too_many_attempts); Retry-After says when to try again',
  404: 'not found',
  409: 'conflict with the current state (conflict, drill_running, last_manager, already_set_up)',
  413: 'body too large',
  415: 'body is not application/json',
  422: 'names something that does not exist (reference_invalid)',
  502: 'the channel did not accept the message (delivery_failed)',
  503: 'Temporal or the history database is unavailable (temporal_unavailable), or the vault cannot reach its keys or backend (vault_unavailable); nothing was changed',
};

export function errors(...statuses: Array<keyof typeof ERROR_DESCRIPTIONS>) {
  return Object.fromEntries(statuses.map((status) => [status, { description: ERROR_DESCRIPTIONS[status]!, content: { 'application/json': { schema: errorSchema } } }])) as Record<number, { description: string; content: { 'application/json': { schema: typeof errorSchema } } }>;
}

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { 'application/json': { schema } } };
}

/** A plan, channel or drill id (plans and channels also answer to their name). */
export const idParam = (what: string) => z.object({ id: z.string().min(1).max(200).describe(`${what} id${what === 'drill' ? '' : ' or name'}`) });

export function router() {
  return new OpenAPIHono<AuthEnv>({ defaultHook: validationHook as never });
}
