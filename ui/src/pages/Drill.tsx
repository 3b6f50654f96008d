/**
 * One drill: live step timeline with bytes while it runs, then the verdict and why, checks by
 * level (observed against expected), per-table counts with drift against the plan's previous
 * drill, the backup's identity, who was told, and the signed evidence to download.
 */
import { A, useParams } from '@solidjs/router';
import { createEffect, createMemo, For, Show } from 'solid-js';
import { STEP_NAMES } from '../../../core/drill.js';
import type { DrillDetail } from '../api.js';
import { Status } from '../components/Status.js';
import { bytes, duration, Time } from '../components/Time.js';
import { loadDrill } from './drill.data.js';

const LEVELS = ['exists', 'integrity', 'restorable', 'readable', 'plausible', 'custom', 'native'] as const;

export default function Drill() {
  const params = useParams();
  const { drill, progress, follow, previous } = loadDrill(() => decodeURIComponent(params.id!));
  createEffect(() => {
    if (drill()?.outcome === 'running') follow(drill()!.id);
  });
  const steps = createMemo(() => {
    const live = progress()?.steps;
    const recorded = drill()?.steps ?? [];
    return live && drill()?.outcome === 'running' ? live.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs ?? null, bytes: s.bytes ?? null, message: s.message ?? null })) : recorded;
  });

  return (
    <Show when={!drill.error && drill()} fallback={drill.error ? <p class="error" role="alert">Cannot load the drill: {(drill.error as Error).message}</p> : <p aria-busy="true">Loading the drill…</p>}>
      {(d) => (
        <>
          <header class="page-head">
            <h1>
              {d().planName ?? 'Drill'} <Status value={d().outcome} />
            </h1>
            <p class="muted">
              {d().id} · {d().engine} · started <Time iso={d().startedAt} relative /> · took {duration(d().durationMs)}
              <Show when={d().planId}>
                {' '}· plan <A href={`/plans/${encodeURIComponent(d().planId!)}`}>{d().planName}</A>
              </Show>
            </p>
            <p class="actions">
              <Show when={d().links.temporal}>
                <a href={d().links.temporal!} target="_blank" rel="noopener">
                  Open in the Temporal Web UI
                </a>
              </Show>
              <Show when={d().outcome !== 'running'}>
                <a href={`/api/drills/${encodeURIComponent(d().id)}/evidence`} download={`evidence-${d().id}.json`}>
                  Download signed evidence
                </a>
              </Show>
            </p>
          </header>

          <Show when={d().feedback}>
            {(feedback) => (
              <section class="card failure" aria-labelledby="why-title">
                <h2 id="why-title">{d().outcome === 'failed' ? 'Why this backup failed' : 'Why this drill could not decide'}</h2>
                <p class="reason">{feedback().reason}</p>
                <Show when={feedback().failedChecks.length > 0}>
                  <ul>
                    <For each={feedback().failedChecks}>
                      {(check) => (
                        <li>
                          <strong>{check.name}</strong> ({check.level}): observed {check.observed}; expected {check.expected}
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
                <h3>Last log lines</h3>
                <pre class="log">{feedback().log.slice(-8).join('\n')}</pre>
              </section>
            )}
          </Show>

          <section class="card" aria-labelledby="steps-title">
            <h2 id="steps-title">Steps</h2>
            <ol class="timeline">
              <For each={STEP_NAMES.filter((name) => steps().some((s) => s.name === name) || d().outcome === 'running')}>
                {(name) => {
                  const step = () => steps().find((s) => s.name === name);
                  const live = () => progress()?.step === name && d().outcome === 'running';
                  return (
                    <li classList={{ [step()?.status ?? 'pending']: true }}>
                      <span class="step-name">{name}</span> <Status value={step()?.status ?? 'pending'} />
                      <span class="muted"> {duration(step()?.durationMs ?? null)}</span>
                      <Show when={live() && progress()!.bytesTotal}>
                        <progress max={progress()!.bytesTotal!} value={progress()!.bytesDone} aria-label={`${name}: ${bytes(progress()!.bytesDone)} of ${bytes(progress()!.bytesTotal)}`} />
                        <span class="muted"> {bytes(progress()!.bytesDone)} of {bytes(progress()!.bytesTotal)}</span>
                      </Show>
                      <Show when={live() && !progress()!.bytesTotal && progress()!.bytesDone > 0}>
                        <span class="muted"> {bytes(progress()!.bytesDone)}</span>
                      </Show>
                      <Show when={step()?.message}>
                        <div class="small">{step()!.message}</div>
                      </Show>
                    </li>
                  );
                }}
              </For>
            </ol>
          </section>

          <Show when={d().checks.length > 0}>
            <section class="card" aria-labelledby="checks-title">
              <h2 id="checks-title">Checks</h2>
              <For each={LEVELS.filter((level) => d().checks.some((c) => c.level === level))}>
                {(level) => (
                  <>
                    <h3>{level}</h3>
                    <div class="table-wrap">
                      <table>
                        <thead>
                          <tr>
                            <th scope="col">Check</th>
                            <th scope="col">Result</th>
                            <th scope="col">Observed</th>
                            <th scope="col">Expected</th>
                          </tr>
                        </thead>
                        <tbody>
                          <For each={d().checks.filter((c) => c.level === level)}>
                            {(check) => (
                              <tr>
                                <th scope="row" title={check.message}>
                                  {check.name}
                                </th>
                                <td>
                                  <Status value={check.passed ? 'passed' : 'failed'} />
                                </td>
                                <td class="wrap">{check.observed}</td>
                                <td class="wrap">{check.expected}</td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </div>
                  </>
                )}
              </For>
            </section>
          </Show>

          <Show when={d().tables.length > 0}>
            <TablesSection drill={d()} previous={previous() ?? null} />
          </Show>

          <section class="card" aria-labelledby="backup-title">
            <h2 id="backup-title">Backup</h2>
            <Show when={d().backup} fallback={<p>No backup was found.</p>}>
              {(backup) => (
                <dl class="facts">
                  <dt>Location</dt>
                  <dd class="wrap">{backup().uri}</dd>
                  <dt>Size</dt>
                  <dd>{bytes(backup().sizeBytes)}</dd>
                  <dt>Modified</dt>
                  <dd>
                    <Time iso={backup().modifiedAt} relative />
                  </dd>
                  <dt>SHA-256</dt>
                  <dd class="wrap mono">{backup().sha256 ?? '— (a dump directory)'}{backup().sidecarVerified ? ' (matched its .sha256 file)' : ''}</dd>
                  <dt>Format</dt>
                  <dd>{d().format ?? '—'}</dd>
                  <dt>Restored into</dt>
                  <dd>{d().sandboxServer ?? '—'}</dd>
                </dl>
              )}
            </Show>
          </section>

          <Show when={d().notifications.length > 0}>
            <section class="card" aria-labelledby="told-title">
              <h2 id="told-title">Who was told</h2>
              <ul>
                <For each={d().notifications}>
                  {(n) => (
                    <li>
                      {n.kind} to <strong>{n.channel}</strong> ({n.channelKind}): <Status value={n.status === 'sent' ? 'passed' : n.status === 'failed' ? 'failed' : 'running'} /> {n.status}
                      <Show when={n.detail}> — {n.detail}</Show>
                    </li>
                  )}
                </For>
              </ul>
            </section>
          </Show>
        </>
      )}
    </Show>
  );
}

function TablesSection(props: { drill: DrillDetail; previous: DrillDetail | null }) {
  const before = createMemo(() => new Map((props.previous?.tables ?? []).map((t) => [`${t.database}.${t.schema}.${t.name}`, t.rows])));
  return (
    <section class="card" aria-labelledby="tables-title">
      <h2 id="tables-title">Tables ({props.drill.tables.length})</h2>
      <Show when={props.previous}>
        <p class="muted">
          Drift against the previous drill of this plan (<A href={`/drills/${encodeURIComponent(props.previous!.id)}`}>{props.previous!.id}</A>).
        </p>
      </Show>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" class="num">
                Rows
              </th>
              <th scope="col" class="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={props.drill.tables}>
              {(table) => {
                const was = () => before().get(`${table.database}.${table.schema}.${table.name}`);
                return (
                  <tr>
                    <th scope="row" class="wrap">
                      {table.schema}.{table.name}
                    </th>
                    <td class="num">{table.rows.toLocaleString()}</td>
                    <td class="num">{props.previous ? (was() === undefined ? 'new' : signed(table.rows - was()!)) : '—'}</td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  );
}

function signed(n: number): string {
  return n === 0 ? '0' : n > 0 ? `+${n.toLocaleString()}` : n.toLocaleString();
}
