import { Hono } from 'hono';

export function healthRoutes(checkDatabase: () => Promise<void>) {
  return new Hono().get('/', async (c) => {
    try {
      await checkDatabase();
      return c.json({ status: 'ok' });
    } catch {
      return c.json({ status: 'degraded', database: 'unreachable' }, 503);
    }
  });
}
