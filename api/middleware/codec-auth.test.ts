import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { codecAuth, decodeOnlyToken } from './codec-auth.js';

describe('codec endpoint auth', () => {
  const token = 'a-codec-token-of-some-length';
  const tokens = { full: token, decodeOnly: decodeOnlyToken(token) };
  const app = new Hono();
  for (const prefix of ['', '/:token']) for (const direction of ['decode', 'encode'] as const) app.post(`${prefix}/${direction}`, codecAuth(tokens, direction), (c) => c.text('ok'));

  it.each([
    ['no credentials', '/decode', {}, 401],
    ['a wrong bearer token', '/decode', { authorization: 'Bearer a-codec-token-of-some-lengtX' }, 401],
    ['a bearer token of another length', '/decode', { authorization: 'Bearer short' }, 401],
    ['the bearer token', '/decode', { authorization: `Bearer ${token}` }, 200],
    ['the bearer token, encoding', '/encode', { authorization: `Bearer ${token}` }, 200],
    ['a wrong token in the path', '/wrong/decode', {}, 401],
    ['the token in the path', `/${token}/decode`, {}, 200],
    ['the decode-only token in the path', `/${tokens.decodeOnly}/decode`, {}, 200],
    ['the decode-only token in the path, encoding', `/${tokens.decodeOnly}/encode`, {}, 403],
    ['the decode-only token as bearer, encoding', '/encode', { authorization: `Bearer ${tokens.decodeOnly}` }, 403],
  ])('%s → %i', async (_label, url, headers, status) => {
    const response = await app.request(url, { method: 'POST', headers });
    expect(response.status).toBe(status);
  });

  it('derives a decode-only token that differs per codec token and reveals nothing of it', () => {
    expect(tokens.decodeOnly).toMatch(/^rdd_[0-9a-f]{40}$/);
    expect(decodeOnlyToken(`${token}x`)).not.toBe(tokens.decodeOnly);
    expect(tokens.decodeOnly).not.toContain(token);
  });
});
