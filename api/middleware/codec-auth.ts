/**
 * Who may use the codec endpoint: holders of the codec token, as `Authorization: Bearer <token>`
 * (the `temporal` CLI's --codec-auth) or as the last path segment of the endpoint URL (the
 * Temporal Web UI cannot add headers of its own). The endpoint decrypts history payloads, so it is
 * never open; CORS preflights carry no credentials and are answered by the CORS middleware first.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function codecAuth(expectedToken: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const pathToken = c.req.param('token');
    if ((bearer && sameToken(bearer, expectedToken)) || (pathToken && sameToken(pathToken, expectedToken))) return next();
    return c.json({ code: 'unauthorized', message: 'the codec endpoint needs the codec token (Authorization: Bearer …, or …/codec/<token>)' }, 401);
  };
}
