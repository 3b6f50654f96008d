import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { codecAuth } from './codec-auth.js';

describe('codec endpoint auth', () => {
  const token = 'a-codec-token-of-some-length';
  const app = new Hono();
  for (const prefix of ['', '/:token']) app.post(`${prefix}/decode`, codecAuth(token), (c) => c.text('ok'));

  it.each([
    ['no credentials', '/decode', {}, 401],
    ['a wrong bearer token', '/decode', { authorization: 'Bearer a-codec-token-of-some-lengtX' }, 401],
    ['a bearer token of another length', '/decode', { authorization: 'Bearer short' }, 401],
    ['the bearer token', '/decode', { authorization: `Bearer ${token}` }, 200],
    ['a wrong token in the path', '/wrong/decode', {}, 401],
    ['the token in the path', `/${token}/decode`, {}, 200],
  ])('%s → %i', async (_label, url, headers, status) => {
    const response = await app.request(url, { method: 'POST', headers });
    expect(response.status).toBe(status);
  });
});
