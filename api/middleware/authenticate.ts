/**
 * The one gate every /api route passes. Sign-in, sessions and tokens arrive with the users issue
 * and go here; until then every caller is let through, and named by its address, which is what
 * drills and plans record as who asked ("api 127.0.0.1").
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';

export interface Actor {
  kind: 'anonymous';
  /** For records: "api 127.0.0.1". */
  name: string;
}

export type AuthEnv = { Variables: { actor: Actor } };

function clientAddress(c: Parameters<MiddlewareHandler>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown address';
  } catch {
    // Requests made in-process (app.request) have no socket.
    return 'in-process';
  }
}

export function authenticate(): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    c.set('actor', { kind: 'anonymous', name: `api ${clientAddress(c)}` });
    await next();
  };
}
