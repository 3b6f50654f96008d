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
  console.error(`api: ${c.req.method} ${c.req.path} failed:`, err);
  return c.json({ error: 'internal error' }, 500);
};
