import { Hono } from 'hono';
import { z } from 'zod';
import type { HistoryDb } from '../../db/client.js';
import { getDrill, listDrills } from '../../db/queries/drill-reads.js';
import { validationError } from '../middleware/errors.js';

const MAX_PAGE = 200;

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  planId: z.string().min(1).optional(),
});

export function drillRoutes(db: HistoryDb) {
  return new Hono()
    .get('/', async (c) => {
      const query = listQuery.safeParse(c.req.query());
      if (!query.success) throw validationError(query.error);
      return c.json(await listDrills(db, query.data));
    })
    .get('/:id', async (c) => {
      const drill = await getDrill(db, c.req.param('id'));
      if (!drill) return c.json({ error: `no drill with id "${c.req.param('id')}"` }, 404);
      return c.json(drill);
    });
}
