/**
 * One plan: settings, schedule (pause with a note, resume), Run now, canary, Delete (its history
 * stays), and its history: date, time, outcome, duration, backup and size, links to the drill and
 * to the Temporal Web UI, with the durations and verdicts drawn above it.
 */
import { A, useNavigate, useParams } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { describeSource } from '../../../core/source.js';
import { api, bodyOf, byId } from '../api.js';
import { HistoryChart } from '../components/HistoryChart.js';
import { ScheduleEditor } from '../components/ScheduleEditor.js';
import { Status } from '../components/Status.js';
import { bytes, duration, Time } from '../components/Time.js';
import { runPlanNow } from './home.data.js';
import { loadPlan } from './plan.data.js';
import { createRowActions } from '../components/row-actions.js';

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export default function Plan() {
  const params = useParams();
  const navigate = useNavigate();
  const planId = () => decodeURIComponent(params.id!);
  const { plan, summary, history, refresh } = loadPlan(planId);
  const { busy, error, run } = createRowActions(() => refresh());
  const [editing, setEditing] = createSignal(false);
  let confirmDelete: HTMLDialogElement | undefined;

  const act = (label: string, action: () => Promise<unknown>) => run(label, undefined, action);
  const param = () => byId(planId());

  return (
    <Show when={!plan.error && plan()} fallback={plan.error ? <p class="error" role="alert">Cannot load the plan: {(plan.error as Error).message}</p> : <p aria-busy="true">Loading the plan…</p>}>
      {(p) => (
        <>
          <header class="page-head">
            <h1>
              {p().name} <Show when={summary()}>{(s) => <Status value={s().status} />}</Show>
            </h1>
            <p class="muted">
              {p().plan.engine} backup {describeSource(p().plan.source)} · version {p().version}
              <Show when={p().deletedAt}> · deleted <Time iso={p().deletedAt} /></Show>
            </p>
            <Show when={!p().deletedAt}>
              <p class="actions">
                <button type="button" disabled={Boolean(busy())} onClick={() => act('run', async () => {
                  const drillId = await runPlanNow(p().id, p().schedule !== null);
                  if (drillId) navigate(`/drills/${encodeURIComponent(drillId)}`);
                })}>
                  {busy() === 'run' ? 'Starting…' : 'Run now'}
                </button>
                <Show when={p().schedule}>
                  {(schedule) => (
                    <Show
                      when={schedule().paused}
                      fallback={
                        <button type="button" class="secondary" disabled={Boolean(busy())} onClick={() => {
                          const note = window.prompt('Why pause it? (shown to whoever finds it paused)');
                          if (note?.trim()) void act('pause', () => bodyOf(api.plans[':id'].schedule.pause.$post({ param: param(), json: { note: note.trim() } })));
                        }}>
                          Pause schedule
                        </button>
                      }
                    >
                      <button type="button" class="secondary" disabled={Boolean(busy())} onClick={() => act('resume', () => bodyOf(api.plans[':id'].schedule.resume.$post({ param: param(), json: {} })))}>
                        Resume schedule
                      </button>
                    </Show>
                  )}
                </Show>
                <button type="button" class="secondary" disabled={Boolean(busy())} onClick={() => act('canary', async () => {
                  const { drillId } = await bodyOf(api.plans[':id'].canary.$post({ param: param() }));
                  navigate(`/drills/${encodeURIComponent(drillId)}`);
                })} title="Drill a deliberately damaged copy: it must fail, and its alert must arrive">
                  Run canary
                </button>
                <button type="button" class="danger" disabled={Boolean(busy())} onClick={() => confirmDelete?.showModal()}>
                  Delete
                </button>
              </p>
            </Show>
            <Show when={error()}>
              <p class="error" role="alert">
                {error()}
              </p>
            </Show>
          </header>

          <dialog ref={confirmDelete} aria-labelledby="delete-title">
            <h2 id="delete-title">Delete {p().name}?</h2>
            <p>It stops drilling and its schedule is deleted. Its {history()?.length ?? 0}+ drills stay in the history.</p>
            <form method="dialog" class="actions">
              <button class="danger" type="button" onClick={async () => {
                confirmDelete?.close();
                await act('delete', () => bodyOf(api.plans[':id'].$delete({ param: param() })));
                navigate('/');
              }}>
                Delete the plan
              </button>
              <button class="secondary" value="cancel">
                Keep it
              </button>
            </form>
          </dialog>

          <section class="card" aria-labelledby="settings-title">
            <h2 id="settings-title">Settings</h2>
            <Show when={!p().deletedAt}>
              <Show when={editing()} fallback={<p><button type="button" class="secondary" onClick={() => setEditing(true)}>{p().schedule ? 'Edit schedule' : 'Add a schedule'}</button></p>}>
                <ScheduleEditor plan={p()} onCancel={() => setEditing(false)} onSaved={() => { setEditing(false); void refresh(); }} />
              </Show>
            </Show>
            <dl class="facts">
              <dt>Schedule</dt>
              <dd>
                {p().schedule?.description ?? 'none: drills only when asked'}
                <Show when={p().schedule?.paused}> (paused{p().schedule?.pauseNote ? `: ${p().schedule!.pauseNote}` : ''})</Show>
              </dd>
              <dt>Next runs</dt>
              <dd>
                <For each={p().schedule?.nextRuns.slice(0, 3) ?? []} fallback="—">
                  {(at, i) => (
                    <>
                      {i() > 0 ? ', ' : ''}
                      <Time iso={at} />
                    </>
                  )}
                </For>
              </dd>
              <dt>Server version</dt>
              <dd>{p().plan.engineVersion ?? 'as the dump says'}</dd>
              <dt>Decryption key</dt>
              <dd>{p().plan.decryptWith ?? '—'}</dd>
              <dt>Alerts</dt>
              <dd>{p().plan.notify.map((r) => r.channel).join(', ') || 'nobody'}</dd>
              <Show when={summary()}>
                {(s) => (
                  <>
                    <dt>Verified RPO</dt>
                    <dd>{s().verifiedRpo.backupModifiedAt ? <Time iso={s().verifiedRpo.backupModifiedAt} relative /> : 'no backup proved restorable yet'}</dd>
                  </>
                )}
              </Show>
            </dl>
          </section>

          <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <Show when={history()} fallback={<p aria-busy="true">Loading…</p>}>
              <Show when={history()!.length > 0} fallback={<p>No drills yet.</p>}>
                <HistoryChart drills={history()!} />
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Date</th>
                        <th scope="col">Time</th>
                        <th scope="col">Outcome</th>
                        <th scope="col">Duration</th>
                        <th scope="col">Backup</th>
                        <th scope="col" class="num">Size</th>
                        <th scope="col">Links</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={history()}>
                        {(drill) => (
                          <tr>
                            <td title={drill.startedAt}>{dateOnly.format(new Date(drill.startedAt))}</td>
                            <td>{timeOnly.format(new Date(drill.startedAt))}</td>
                            <td>
                              <Status value={drill.outcome} />
                              <Show when={drill.reason}>
                                <div class="small wrap">{drill.reason}</div>
                              </Show>
                            </td>
                            <td>{duration(drill.durationMs)}</td>
                            <td class="wrap">{drill.backup?.uri ?? '—'}</td>
                            <td class="num">{bytes(drill.backup?.sizeBytes)}</td>
                            <td>
                              <A href={`/drills/${encodeURIComponent(drill.id)}`}>Drill</A>
                              <Show when={drill.links.temporal}>
                                {' · '}
                                <a href={drill.links.temporal!} target="_blank" rel="noopener">
                                  Temporal
                                </a>
                              </Show>
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </Show>
          </section>
        </>
      )}
    </Show>
  );
}
