/**
 * One drill: its record, live progress while it runs (the API's Server-Sent Events), and the
 * previous drill of its plan, for per-table drift.
 */
import { createResource, createSignal, onCleanup } from 'solid-js';
import type { DrillProgress } from '../../../core/drill.js';
import { api, ApiFailure, bodyOf, byId, type DrillDetail } from '../api.js';

/** A drill just started is recorded by its workflow's first step, a moment after the start answers. */
const RECORD_WAIT_MS = 15_000;
const RECORD_POLL_MS = 200;

async function fetchDrill(drillId: string): Promise<DrillDetail> {
  const deadline = Date.now() + RECORD_WAIT_MS;
  for (;;) {
    try {
      return await bodyOf(api.drills[':id'].$get({ param: byId(drillId) }));
    } catch (err) {
      if (!(err instanceof ApiFailure && err.status === 404) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, RECORD_POLL_MS));
    }
  }
}

export function loadDrill(id: () => string) {
  const [drill, { refetch }] = createResource(id, fetchDrill);
  const [progress, setProgress] = createSignal<DrillProgress>();
  let source: EventSource | undefined;

  /** Follows the drill until its verdict; the record is read again then. */
  function follow(drillId: string) {
    source?.close();
    source = new EventSource(`/api/drills/${encodeURIComponent(drillId)}/events`);
    source.addEventListener('progress', (event) => setProgress(JSON.parse((event as MessageEvent<string>).data) as DrillProgress));
    source.addEventListener('verdict', () => {
      source?.close();
      void refetch();
    });
    source.addEventListener('error', () => {
      // The stream ends after the verdict; a broken one is retried by EventSource itself.
      if (source?.readyState === EventSource.CLOSED) void refetch();
    });
  }
  onCleanup(() => source?.close());

  const [previous] = createResource(drill, async (current) => previousDrillOf(current));
  return { drill, refetch, progress, follow, previous };
}

/** The drill of the same plan that started just before this one (null for ad-hoc drills and a plan's first). */
async function previousDrillOf(current: DrillDetail): Promise<DrillDetail | null> {
  if (!current.planId) return null;
  const page = await bodyOf(api.drills.$get({ query: { planId: current.planId, to: current.startedAt, limit: '1' } }));
  const before = page.drills[0];
  return before ? bodyOf(api.drills[':id'].$get({ param: byId(before.id) })) : null;
}
