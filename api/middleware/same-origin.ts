/**
 * A signed-in browser must not be driven by a web page the operator happens to visit: requests
 * naming a host other than this API's (DNS rebinding) and browser requests from another site
 * (cross-site request forgery, which needs no CORS for a bare POST) are refused before the
 * session cookie is looked at. Scripts and the CLI send neither header and are unaffected.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** Host names the API answers to: loopback, its public URL's, and any configured extra ones. */
export function allowedHostNames(options: { publicUrl?: string | null; extra?: string[] }): Set<string> {
  const names = new Set(LOOPBACK);
  if (options.publicUrl) names.add(new URL(options.publicUrl).hostname.replace(/^\[|\]$/g, ''));
  for (const name of options.extra ?? []) if (name.trim()) names.add(name.trim().toLowerCase());
  return names;
}

function hostNameOf(hostHeader: string): string {
  // "[::1]:8080", "127.0.0.1:8080", "drill.example.com"
  const bracketed = /^\[([^\]]+)\]/.exec(hostHeader);
  return (bracketed ? bracketed[1]! : hostHeader.replace(/:\d+$/, '')).toLowerCase();
}

export function sameOrigin(allowed: Set<string>): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (host && !allowed.has(hostNameOf(host))) {
      throw new ApiError(403, 'forbidden', `this API does not answer to host "${hostNameOf(host)}": add it to RESTORE_DRILL_ALLOWED_HOSTS (or RESTORE_DRILL_PUBLIC_URL) if that is how people reach it`);
    }
    const origin = c.req.header('origin');
    let originHost: string | undefined;
    try {
      originHost = origin && origin !== 'null' ? new URL(origin).hostname.replace(/^\[|\]$/g, '') : undefined;
    } catch {
      originHost = '(malformed)';
    }
    const crossSiteOrigin = origin !== undefined && (originHost === undefined || !allowed.has(originHost));
    if (crossSiteOrigin || c.req.header('sec-fetch-site') === 'cross-site') {
      throw new ApiError(403, 'forbidden', 'requests from other web sites are refused (cross-site request forgery protection)');
    }
    await next();
  };
}
