import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiError, handleErrors, validationError } from './errors.js';

describe('error middleware', () => {
  const app = new Hono()
    .get('/bad', () => {
      const parsed = z.object({ limit: z.number() }).safeParse({ limit: 'x' });
      if (parsed.success) throw new Error('expected a validation failure');
      throw validationError(parsed.error);
    })
    .get('/taken', () => {
      throw new ApiError(409, 'conflict', 'a plan named "nightly" exists', { planId: 'nightly-1a2b3c' });
    })
    // Routes read bodies through validators, which raise Hono's HTTPException on bad JSON.
    .post('/json', validator('json', (value) => value), (c) => c.json(c.req.valid('json')))
    .get('/boom', () => {
      throw new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2');
    })
    .onError(handleErrors);

  it('answers validation failures with 400, a stable code and the field that failed', async () => {
    const response = await app.request('/bad');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('validation_failed');
    expect(body.message).toMatch(/^limit: /);
  });

  it('carries extra fields of an ApiError', async () => {
    const response = await app.request('/taken');
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ code: 'conflict', message: 'a plan named "nightly" exists', planId: 'nightly-1a2b3c' });
  });

  it('answers a body that is not JSON with malformed_json', async () => {
    const response = await app.request('/json', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('malformed_json');
  });

  it('hides unexpected error text from clients', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await app.request('/boom');
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toBe('{"code":"internal","message":"internal error"}');
    expect(body).not.toContain('hunter2');
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});
