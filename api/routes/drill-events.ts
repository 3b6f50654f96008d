/**
 * GET /api/drills/{id}/events: a drill's live progress as Server-Sent Events. `progress` events
 * carry the workflow's progress query (step, bytes done of total, steps so far) whenever it
 * changes; one `verdict` event carries the recorded drill when it is over, then the stream ends.
 * When Temporal cannot answer, progress comes from the step rows in the history database.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { DrillProgress } from '../../core/drill.js';
import type { HistoryDb } from '../../db/client.js';
import { getDrill } from '../../db/queries/drill-reads.js';
import { progressQuery } from '../../workflows/definitions.js';
import type { TemporalAccess } from '../deps.js';
import { notFound } from '../middleware/errors.js';
import { toDrillSummary } from '../views/drill-view.js';
import { errors, idParam } from './route-kit.js';

const POLL_MS = 1000;
/** Every this many polls, ask Temporal whether the workflow still runs (a terminated one never says so itself). */
const STATUS_EVERY_POLLS = 5;
const KEEPALIVE_MS = 15_000;
/** How long a finished workflow may wait for its record to land before the stream gives up. */
const RECORD_WAIT_MS = 60_000;

export const drillEventsRoute = createRoute({
  method: 'get',
  path: '/{id}/events',
  tags: ['drills'],
  summary: 'Live progress of a drill (Server-Sent Events: progress…, then verdict)',
  request: { params: idParam('drill') },
  responses: {
    200: {
      description: '`event: progress` with {step, bytesDone, bytesTotal, steps}; `event: verdict` with the drill summary, last',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errors(404),
  },
});

async function progressOf(temporal: TemporalAccess, db: HistoryDb, drillId: string): Promise<DrillProgress | undefined> {
  try {
    return await temporal.client.workflow.getHandle(drillId).query(progressQuery);
  } catch {
    // Not queryable (finished and evicted, Temporal down): what the history database knows.
    const drill = await getDrill(db, drillId);
    if (!drill) return undefined;
    const running = drill.steps.find((s) => s.status === 'running');
    return {
      drillId,
      outcome: drill.outcome as DrillProgress['outcome'],
      step: (running?.name ?? null) as DrillProgress['step'],
      stepStartedAt: running?.startedAt.toISOString() ?? null,
      bytesDone: 0,
      bytesTotal: null,
      steps: drill.steps.map((s) => ({ name: s.name as DrillProgress['steps'][number]['name'], status: s.status as DrillProgress['steps'][number]['status'], startedAt: s.startedAt.toISOString(), ...(s.finishedAt ? { finishedAt: s.finishedAt.toISOString() } : {}), ...(s.durationMs !== null ? { durationMs: s.durationMs } : {}), ...(s.message ? { message: s.message } : {}) })),
    };
  }
}

async function stillRunning(temporal: TemporalAccess, drillId: string): Promise<boolean> {
  try {
    return (await temporal.client.workflow.getHandle(drillId).describe()).status.name === 'RUNNING';
  } catch {
    // Temporal unreachable: keep following what the database says.
    return true;
  }
}

export async function streamDrillEvents(c: Context, deps: { db: HistoryDb; temporal: TemporalAccess }): Promise<Response> {
  const drillId = c.req.param('id')!;
  const first = await progressOf(deps.temporal, deps.db, drillId);
  if (!first) throw notFound(`no drill with id "${drillId}"`);
  return streamSSE(c, async (stream) => {
    let aborted = false;
    stream.onAbort(() => {
      aborted = true;
    });
    let last = '';
    let lastWrite = Date.now();
    let progress: DrillProgress | undefined = first;
    let id = 0;
    let polls = 0;
    while (!aborted && progress && progress.outcome === 'running') {
      polls += 1;
      if (polls % STATUS_EVERY_POLLS === 0 && !(await stillRunning(deps.temporal, drillId))) break;
      const text = JSON.stringify(progress);
      if (text !== last) {
        await stream.writeSSE({ event: 'progress', data: text, id: String((id += 1)) });
        last = text;
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite > KEEPALIVE_MS) {
        await stream.write(': keepalive\n\n');
        lastWrite = Date.now();
      }
      await stream.sleep(POLL_MS);
      progress = await progressOf(deps.temporal, deps.db, drillId);
    }
    if (aborted) return;
    if (progress) await stream.writeSSE({ event: 'progress', data: JSON.stringify(progress), id: String((id += 1)) });
    // The workflow's verdict is in; its record lands a moment later (the report step).
    const deadline = Date.now() + RECORD_WAIT_MS;
    while (!aborted && Date.now() < deadline) {
      const drill = await getDrill(deps.db, drillId);
      if (drill && drill.outcome !== 'running') {
        await stream.writeSSE({ event: 'verdict', data: JSON.stringify(toDrillSummary(drill)), id: String((id += 1)) });
        return;
      }
      await stream.sleep(POLL_MS);
    }
    if (!aborted) await stream.writeSSE({ event: 'error', data: JSON.stringify({ code: 'internal', message: 'the drill workflow ended but its record did not appear within a minute (terminated? the watchdog closes such records)' }) });
  });
}
