/**
 * Home, per the wireframes: test a backup now, schedule regular tests, and the scheduled restores
 * with how each stands (status, last run and its age, next run, verified RPO, Run now).
 */
import { A, useNavigate } from '@solidjs/router';
import { createMemo, createSignal, For, Show } from 'solid-js';
import type { PlanInput } from '../../../core/plan.js';
import { api, bodyOf, ApiFailure, type PlanSummary } from '../api.js';
import { PlanForm } from '../components/PlanForm.js';
import { Status } from '../components/Status.js';
import { ago, Time } from '../components/Time.js';
import { loadPlanSummaries, runPlanNow } from './home.data.js';

export default function Home() {
  const navigate = useNavigate();
  const { summaries, refetch } = loadPlanSummaries();
  const counts = createMemo(() => {
    const all = summaries() ?? [];
    return { total: all.length, passing: all.filter((s) => s.status === 'passing').length, failing: all.filter((s) => s.status === 'failing' || s.status === 'error').length, overdue: all.filter((s) => s.overdue).length, running: all.filter((s) => s.running).length };
  });

  async function runNow(plan: PlanInput) {
    const { drillId } = await bodyOf(api.drills.$post({ json: { plan: { ...plan, schedule: null } as never } }));
    navigate(`/drills/${encodeURIComponent(drillId)}`);
  }

  async function schedule(plan: PlanInput) {
    const created = await bodyOf(api.plans.$post({ json: plan as never }));
    navigate(`/plans/${encodeURIComponent(created.id)}`);
  }

  return (
    <>
      <h1 class="visually-hidden">Restore Drill: test and schedule backup restorations</h1>
      <section aria-label="Overview" class="overview">
        <p>
          <strong>{counts().total}</strong> plans: <span class="badge good">{counts().passing} passing</span> <span class="badge bad">{counts().failing} failing</span>{' '}
          <span class="badge bad">{counts().overdue} overdue</span> <span class="badge info">{counts().running} running</span>
        </p>
      </section>
      <div class="columns">
        <section class="card" aria-labelledby="run-title">
          <h2 id="run-title">Run a test restoration on a backup</h2>
          <PlanForm idPrefix="run" withSchedule={false} submitLabel="Run" busyLabel="Starting…" onSubmit={runNow} />
        </section>
        <section class="card" aria-labelledby="schedule-title">
          <h2 id="schedule-title">Schedule a regular restoration test</h2>
          <PlanForm idPrefix="schedule" withSchedule={true} submitLabel="Schedule" busyLabel="Scheduling…" onSubmit={schedule} />
        </section>
      </div>
      <section class="card" aria-labelledby="plans-title">
        <h2 id="plans-title">Scheduled restores</h2>
        <Show when={summaries.error}>
          <p class="error" role="alert">
            Cannot load the plans: {(summaries.error as Error).message}
          </p>
        </Show>
        <Show when={summaries()} fallback={<p aria-busy="true">Loading plans…</p>}>
          <Show when={summaries()!.length > 0} fallback={<p>No plans yet: schedule one above.</p>}>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Backup</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last run</th>
                    <th scope="col">Next run</th>
                    <th scope="col">Verified RPO</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={summaries()}>{(plan) => <PlanRow plan={plan} onRan={refetch} />}</For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </section>
    </>
  );
}

function PlanRow(props: { plan: PlanSummary; onRan: () => void }) {
  const navigate = useNavigate();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const plan = () => props.plan;
  async function run() {
    setBusy(true);
    setError(undefined);
    try {
      const drillId = await runPlanNow(plan().planId, plan().schedule !== null);
      props.onRan();
      if (drillId) navigate(`/drills/${encodeURIComponent(drillId)}`);
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <tr>
      <th scope="row">
        <A href={`/plans/${encodeURIComponent(plan().planId)}`}>{plan().name}</A>
        <div class="muted small">{plan().schedule ?? 'no schedule'}{plan().paused ? ' (paused)' : ''}</div>
      </th>
      <td class="wrap">{plan().source}</td>
      <td>
        <Status value={plan().status} />
      </td>
      <td>
        <Show when={plan().lastRun} fallback="never">
          {(last) => (
            <A href={`/drills/${encodeURIComponent(last().drillId)}`}>
              <Time iso={last().finishedAt} relative />
            </A>
          )}
        </Show>
      </td>
      <td>
        <Time iso={plan().nextRun} />
      </td>
      <td>
        <Show when={plan().verifiedRpo.backupModifiedAt} fallback="—">
          {(at) => (
            <span classList={{ bad: plan().verifiedRpo.breached }} title={`newest backup proved restorable was made ${at()}`}>
              {ago(at())}
              {plan().verifiedRpo.breached ? ' (over target)' : ''}
            </span>
          )}
        </Show>
      </td>
      <td>
        <button type="button" disabled={busy() || plan().running !== null} onClick={run}>
          {busy() ? 'Starting…' : plan().running ? 'Running' : 'Run now'} <span class="visually-hidden">for {plan().name}</span>
        </button>
        <Show when={error()}>
          <small class="error" role="alert">
            {error()}
          </small>
        </Show>
      </td>
    </tr>
  );
}
