/**
 * Who may use the codec endpoint: holders of the codec token, as `Authorization: Bearer <token>`
 * (the `temporal` CLI's --codec-auth) or as the last path segment of the endpoint URL (the
 * Temporal Web UI cannot add headers of its own). The endpoint decrypts history payloads, so it is
 * never open; CORS preflights carry no credentials and are answered by the CORS middleware first.
 *
 * The Web UI's link carries a token derived from the codec token that only decodes: the UI hands
 * its codec URL to every browser that opens it, and a leaked link must not let anyone encrypt
 * payloads the workers would trust (start or signal workflows with forged, encrypted input).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export interface CodecTokens {
  /** Decodes and encodes. */
  full: string;
  /** Decodes only (decodeOnlyToken(full)). */
  decodeOnly: string;
}

/** `rdd_` and 40 hex digits of HMAC-SHA256(codec token, "restore-drill codec: decode only"). */
export function decodeOnlyToken(fullToken: string): string {
  return `rdd_${createHmac('sha256', fullToken).update('restore-drill codec: decode only').digest('hex').slice(0, 40)}`;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function codecAuth(tokens: CodecTokens, direction: 'decode' | 'encode'): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const given = [/^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim(), c.req.param('token')].filter((t): t is string => Boolean(t));
    if (given.some((token) => sameToken(token, tokens.full))) return next();
    if (given.some((token) => sameToken(token, tokens.decodeOnly))) {
      if (direction === 'decode') return next();
      return c.json({ code: 'forbidden', message: 'this codec token only decodes (it is the Web UI link\'s); encoding needs the codec token itself' }, 403);
    }
    return c.json({ code: 'unauthorized', message: 'the codec endpoint needs the codec token (Authorization: Bearer …, or …/codec/<token>)' }, 401);
  };
}
