import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { handleErrors, validationError } from './errors.js';

describe('error middleware', () => {
  const app = new Hono()
    .get('/bad', () => {
      const parsed = z.object({ limit: z.number() }).safeParse({ limit: 'x' });
      if (parsed.success) throw new Error('expected a validation failure');
      throw validationError(parsed.error);
    })
    .get('/boom', () => {
      throw new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2');
    })
    .onError(handleErrors);

  it('answers validation failures with 400 and the field that failed', async () => {
    const response = await app.request('/bad');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^limit: /);
  });

  it('hides unexpected error text from clients', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await app.request('/boom');
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toBe('{"error":"internal error"}');
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});
