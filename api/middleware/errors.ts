/**
 * Every error leaves the API as `{ "error": "…" }` with a fitting status. Unexpected errors are
 * logged with detail and answered with a generic message: their text may name hosts or queries.
 */
import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';

export function validationError(error: ZodError): HTTPException {
  const message = error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
  return new HTTPException(400, { res: Response.json({ error: message }, { status: 400 }) });
}

export const handleErrors: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) return err.getResponse();
  // The codec endpoint may carry its token as a path segment: never log it.
  console.error(`api: ${c.req.method} ${c.req.path.replace(/^\/codec\/[^/]+\/(decode|encode)$/, '/codec/…/$1')} failed:`, err);
  return c.json({ error: 'internal error' }, 500);
};
