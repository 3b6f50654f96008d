/**
 * The audit trail (managers): every write through the API, newest first: when, who, what, on
 * which target and how it ended. Filters by action (or every action of a resource), actor and
 * outcome; "Load more" pages back in time.
 */
import { createSignal, For, Show } from 'solid-js';
import { failureText } from '../api.js';
import { Field } from '../components/Field.js';
import { ManagersOnly } from '../components/Guards.js';
import { Status } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { loadAudit, OUTCOMES, type AuditFilters } from './audit.data.js';

export default function Audit() {
  return (
    <ManagersOnly>
      <AuditPage />
    </ManagersOnly>
  );
}

const NO_FILTERS: AuditFilters = { action: '', actor: '', outcome: '' };

function details(value: Record<string, unknown> | null): string {
  if (!value) return '';
  return Object.entries(value)
    .map(([key, v]) => `${key}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function AuditPage() {
  const [filters, setFilters] = createSignal<AuditFilters>(NO_FILTERS);
  const { first, events, nextCursor, loadMore, loadingMore, moreError } = loadAudit(filters);
  let form!: HTMLFormElement;

  function apply(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    setFilters({ action: text('action'), actor: text('actor'), outcome: text('outcome') as AuditFilters['outcome'] });
  }

  function clear() {
    form.reset();
    setFilters(NO_FILTERS);
  }

  return (
    <>
      <header class="page-head">
        <h1>Audit trail</h1>
        <p class="muted">Every change made through the API, and every refused sign-in: newest first.</p>
      </header>

      <section class="card" aria-labelledby="filters-title">
        <h2 id="filters-title">Filters</h2>
        <form ref={form} onSubmit={apply} class="filters" role="search" aria-labelledby="filters-title">
          <Field label="Action" id="audit-action" hint={'plans.create, or users for every users.… action'}>
            <input id="audit-action" name="action" autocomplete="off" spellcheck={false} maxLength={100} aria-describedby="audit-action-hint" />
          </Field>
          <Field label="Actor" id="audit-actor" hint="as recorded (ana@example.com, ana@example.com (token ci)) or a user id">
            <input id="audit-actor" name="actor" autocomplete="off" spellcheck={false} maxLength={300} aria-describedby="audit-actor-hint" />
          </Field>
          <Field label="Outcome" id="audit-outcome">
            <select id="audit-outcome" name="outcome">
              <option value="">any outcome</option>
              <For each={OUTCOMES}>{(outcome) => <option value={outcome}>{outcome}</option>}</For>
            </select>
          </Field>
          <div class="field actions">
            <button type="submit">Filter</button>
            <button type="button" class="secondary" onClick={clear}>
              Clear filters
            </button>
          </div>
        </form>
      </section>

      <section class="card" aria-labelledby="events-title">
        <h2 id="events-title">Events</h2>
        <Show when={first.error}>
          <p class="error" role="alert">
            Cannot load the audit trail: {failureText(first.error)}
          </p>
        </Show>
        <Show when={!first.error && (first.state === 'ready' || first.state === 'refreshing' || events().length > 0)} fallback={<Show when={!first.error}><p aria-busy="true">Loading the audit trail…</p></Show>}>
          <Show when={events().length > 0} fallback={<p>No events match these filters.</p>}>
            {/* Focusable: with no links or buttons inside, the keyboard scrolls it at 360 px. */}
            <div class="table-wrap" role="region" aria-label="Audit events" tabindex="0" aria-busy={first.loading || loadingMore()}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={events()}>
                    {(event) => (
                      <tr>
                        <th scope="row">
                          <Time iso={event.at} />
                        </th>
                        <td class="wrap">
                          {event.actor}
                          <Show when={event.address}>
                            <div class="muted small">from {event.address}</div>
                          </Show>
                        </td>
                        <td class="mono">{event.action}</td>
                        <td class="wrap">{event.target ?? '—'}</td>
                        <td>
                          <Status value={event.outcome} />
                        </td>
                        <td class="wrap small">{details(event.details)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
          <p class="muted small" aria-live="polite">
            {events().length} event{events().length === 1 ? '' : 's'} shown{nextCursor() ? '; older ones remain' : ''}.
          </p>
          <Show when={moreError()}>
            <p class="error" role="alert">
              Cannot load more: {moreError()}
            </p>
          </Show>
          <Show when={nextCursor()}>
            <button type="button" class="secondary" disabled={loadingMore()} aria-busy={loadingMore()} onClick={() => void loadMore()}>
              {loadingMore() ? 'Loading…' : 'Load more'}
            </button>
          </Show>
        </Show>
      </section>
    </>
  );
}
