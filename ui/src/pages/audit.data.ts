/**
 * The audit page's data: the trail newest first, one page at a time. Changing the filters starts
 * again from the newest; "Load more" follows the cursor of the last page loaded.
 */
import { createResource, createSignal, on, createEffect, type Accessor } from 'solid-js';
import { api, bodyOf, failureText, type AuditEvent } from '../api.js';

export const AUDIT_PAGE = 50;
export const OUTCOMES = ['ok', 'denied', 'failed'] as const;

export interface AuditFilters {
  action: string;
  actor: string;
  outcome: '' | (typeof OUTCOMES)[number];
}

/** "users" (no dot) means every users.* action; "users.create" means that one; "users." a prefix. */
export function actionQuery(action: string): string | undefined {
  const text = action.trim();
  if (!text) return undefined;
  return text.includes('.') ? text : `${text}.`;
}

function fetchPage(filters: AuditFilters, cursor?: string) {
  return bodyOf(
    api.audit.$get({
      query: {
        action: actionQuery(filters.action),
        actor: filters.actor.trim() || undefined,
        outcome: filters.outcome || undefined,
        cursor,
        limit: String(AUDIT_PAGE),
      },
    }),
  );
}

export function loadAudit(filters: Accessor<AuditFilters>) {
  const [first, { refetch }] = createResource(filters, (f) => fetchPage(f));
  const [more, setMore] = createSignal<{ events: AuditEvent[]; nextCursor: string | null }[]>([]);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [moreError, setMoreError] = createSignal<string>();
  createEffect(on(filters, () => {
    setMore([]);
    setMoreError(undefined);
  }, { defer: true }));

  const firstPage = () => (first.error ? undefined : first());
  const events = () => [...(firstPage()?.events ?? []), ...more().flatMap((page) => page.events)];
  const nextCursor = () => (more().at(-1) ?? firstPage())?.nextCursor ?? null;

  async function loadMore() {
    const cursor = nextCursor();
    if (!cursor || loadingMore()) return;
    const asked = filters();
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await fetchPage(asked, cursor);
      // Filters changed meanwhile: this page belongs to the old list.
      if (filters() === asked) setMore((pages) => [...pages, page]);
    } catch (err) {
      setMoreError(failureText(err));
    } finally {
      setLoadingMore(false);
    }
  }

  return {
    first,
    events,
    nextCursor,
    loadMore,
    loadingMore,
    moreError,
    refresh: () => {
      setMore([]);
      return refetch();
    },
  };
}
