import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { authenticate, type AuthEnv } from './authenticate.js';

describe('authenticate', () => {
  const app = new Hono<AuthEnv>().use('*', authenticate()).get('/who', (c) => c.json(c.var.actor));

  it('names an in-process caller', async () => {
    expect(await (await app.request('/who')).json()).toEqual({ kind: 'anonymous', name: 'api in-process' });
  });

  it('names a network caller by its address', async () => {
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/who`)).json()).toEqual({ kind: 'anonymous', name: 'api 127.0.0.1' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
