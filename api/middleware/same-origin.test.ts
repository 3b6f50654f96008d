import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { handleErrors } from './errors.js';
import { allowedHostNames, sameOrigin } from './same-origin.js';

describe('same-origin gate', () => {
  const app = new Hono().use('*', sameOrigin(allowedHostNames({ publicUrl: 'https://drill.example.com', extra: ['drill.internal'] }))).post('/x', (c) => c.text('ok')).onError(handleErrors);
  const post = (headers: Record<string, string>) => app.request('http://placeholder/x', { method: 'POST', headers });

  it.each([
    ['a script on this host', { host: '127.0.0.1:8080' }, 200],
    ['IPv6 loopback', { host: '[::1]:8080' }, 200],
    ['the public host', { host: 'drill.example.com' }, 200],
    ['an extra host', { host: 'DRILL.INTERNAL:443' }, 200],
    ['the UI on the same site', { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8233', 'sec-fetch-site': 'same-site' }, 200],
    ['a rebound DNS name', { host: 'evil.example:8080' }, 403],
    ['a page on another site', { host: '127.0.0.1:8080', origin: 'https://evil.example' }, 403],
    ['a cross-site fetch without Origin', { host: '127.0.0.1:8080', 'sec-fetch-site': 'cross-site' }, 403],
    ['an opaque origin (sandboxed frame)', { host: '127.0.0.1:8080', origin: 'null' }, 403],
    ['a malformed origin', { host: '127.0.0.1:8080', origin: 'not a url' }, 403],
  ])('%s → %i', async (_label, headers, status) => {
    const response = await post(headers);
    expect(response.status).toBe(status);
    if (status === 403) expect(((await response.json()) as { code: string }).code).toBe('forbidden');
  });
});
