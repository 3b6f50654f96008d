/**
 * Channels (managers): where alerts go (email, Slack, a signed webhook, a healthchecks-style
 * ping), each with its delivery health; adding one, checked with the API's own channel schema
 * before it is sent; a test message per channel with what the channel answered; removal of one no
 * plan routes to. Secrets stay in the vault: the forms take credential names.
 */
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { CHANNEL_KINDS, channelConfigSchema, channelNameSchema, type ChannelKind } from '../../../core/notify.js';
import type { CredentialKind } from '../../../core/credentials.js';
import { ApiFailure, failureText, type ChannelTestResult, type ChannelView } from '../api.js';
import { ConfirmDialog } from '../components/Confirm.js';
import { Field, fieldErrors } from '../components/Field.js';
import { ManagersOnly } from '../components/Guards.js';
import { Status } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { addChannel, loadChannels, removeChannel, sendTest } from './channels.data.js';
import { createRowActions } from '../components/row-actions.js';

export default function Channels() {
  return (
    <ManagersOnly>
      <ChannelsPage />
    </ManagersOnly>
  );
}

const KIND_LABELS: Record<ChannelKind, string> = { email: 'Email', slack: 'Slack', webhook: 'Webhook (signed)', ping: 'Ping (healthchecks-style)' };

/** Form controls by the config path their errors name. */
const FIELD_IDS: Record<string, string> = {
  name: 'channel-name',
  kind: 'channel-kind',
  'smtp.host': 'channel-smtp-host',
  'smtp.port': 'channel-smtp-port',
  'smtp.security': 'channel-smtp-security',
  'smtp.credential': 'channel-smtp-credential',
  from: 'channel-from',
  to: 'channel-to',
  webhookUrl: 'channel-slack-url',
  url: 'channel-url',
  signingSecret: 'channel-signing-secret',
};

function target(channel: ChannelView): string {
  const config = channel.config;
  switch (config.kind) {
    case 'email':
      return `${config.to.join(', ')} (from ${config.from} via ${config.smtp.host}:${config.smtp.port})`;
    case 'slack':
      return `Slack webhook in credential ${config.webhookUrl}`;
    case 'webhook':
      return `${config.url} (signed with ${config.signingSecret})`;
    case 'ping':
      return `ping URL in credential ${config.url}`;
  }
}

function ChannelsPage() {
  const { channels, refetch, vaultNames } = loadChannels();
  const list = () => (channels.error ? undefined : channels());
  const [kind, setKind] = createSignal<ChannelKind>('email');
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [adding, setAdding] = createSignal(false);
  const [added, setAdded] = createSignal<string>();
  const { busy, setBusy, error: actionError, run } = createRowActions(refetch);
  const [results, setResults] = createSignal<Record<string, ChannelTestResult | { error: string }>>({});
  const [removing, setRemoving] = createSignal<ChannelView>();
  let form!: HTMLFormElement;

  const names = (of: CredentialKind) => (vaultNames.error ? [] : (vaultNames() ?? [])).filter((c) => c.kind === of).map((c) => c.name);

  function build(data: FormData): { name: string; config: Record<string, unknown> } {
    const text = (field: string) => String(data.get(field) ?? '').trim();
    const name = text('name');
    switch (kind()) {
      case 'email': {
        const port = text('smtpPort');
        return {
          name,
          config: {
            kind: 'email',
            smtp: { host: text('smtpHost'), ...(port ? { port: Number(port) } : {}), security: text('smtpSecurity') || 'starttls', ...(text('smtpCredential') ? { credential: text('smtpCredential') } : {}) },
            from: text('from'),
            to: text('to')
              .split(/[,;\s]+/)
              .filter(Boolean),
          },
        };
      }
      case 'slack':
        return { name, config: { kind: 'slack', webhookUrl: text('webhookUrl') } };
      case 'webhook':
        return { name, config: { kind: 'webhook', url: text('url'), signingSecret: text('signingSecret') } };
      case 'ping':
        return { name, config: { kind: 'ping', url: text('pingUrl') } };
    }
  }

  function focusFirst(problems: Record<string, string>) {
    const first = Object.keys(problems)[0];
    if (first) document.getElementById(FIELD_IDS[first] ?? 'channel-name')?.focus();
  }

  async function add(event: SubmitEvent) {
    event.preventDefault();
    const { name, config } = build(new FormData(form));
    const nameCheck = channelNameSchema.safeParse(name);
    const configCheck = channelConfigSchema.safeParse(config);
    const problems: Record<string, string> = {};
    if (!nameCheck.success) problems.name = name ? nameCheck.error.issues[0]!.message : 'a name plans route to, like ops-email';
    // "to.0: an email address" is about the recipients field.
    const issues = configCheck.success ? [] : configCheck.error.issues.map((issue) => (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1 ? { ...issue, message: 'required' } : issue));
    for (const [path, message] of Object.entries(fieldErrors(issues))) problems[path.replace(/\.\d+$/, '')] ??= message;
    setErrors(problems);
    setAdded(undefined);
    if (!nameCheck.success || !configCheck.success) {
      focusFirst(problems);
      return;
    }
    setAdding(true);
    try {
      const channel = await addChannel(nameCheck.data, config as never);
      form.reset();
      setKind('email');
      setAdded(channel.name);
      await refetch();
    } catch (err) {
      const field = err instanceof ApiFailure ? err.field : undefined;
      const path = field?.field.replace(/^config\./, '').replace(/\.\d+$/, '');
      const shown: Record<string, string> = field && path && path in FIELD_IDS ? { [path]: field.text } : err instanceof ApiFailure && err.status === 409 ? { name: err.message } : { form: failureText(err) };
      setErrors(shown);
      focusFirst(shown);
    } finally {
      setAdding(false);
    }
  }

  async function test(channel: ChannelView) {
    setBusy(`test:${channel.id}`);
    setResults((all) => {
      const { [channel.id]: _previous, ...rest } = all;
      return rest;
    });
    try {
      const result = await sendTest(channel);
      setResults((all) => ({ ...all, [channel.id]: result }));
      await refetch();
    } catch (err) {
      setResults((all) => ({ ...all, [channel.id]: { error: failureText(err) } }));
    } finally {
      setBusy(undefined);
    }
  }

  const remove = (channel: ChannelView) => run(`remove:${channel.id}`, channel.name, () => removeChannel(channel));

  const err = (field: string) => errors()[field];
  const describedBy = (id: string, field: string) => (err(field) ? `${id}-error` : `${id}-hint`);
  const credentialInput = (props: { id: string; name: string; field: string; of: CredentialKind }) => (
    <>
      <input id={props.id} name={props.name} list={`${props.id}-names`} autocomplete="off" spellcheck={false} autocapitalize="off" maxLength={100} aria-invalid={Boolean(err(props.field))} aria-describedby={describedBy(props.id, props.field)} />
      <datalist id={`${props.id}-names`}>
        <For each={names(props.of)}>{(n) => <option value={n} />}</For>
      </datalist>
    </>
  );

  return (
    <>
      <header class="page-head">
        <h1>Channels</h1>
        <p class="muted">Where alerts go. Plans route events to channels by name; secrets (SMTP passwords, webhook URLs, signing secrets) stay in the vault and are named here.</p>
      </header>

      <section class="card" aria-labelledby="add-channel-title">
        <h2 id="add-channel-title">Add a channel</h2>
        <Show when={added()}>
          <p class="notice" role="status">
            Added channel {added()}.
          </p>
        </Show>
        <form ref={form} onSubmit={add} noValidate aria-busy={adding()}>
          <div class="columns">
            <Field label="Name" id="channel-name" error={err('name')} hint="plans route to it by this name, like ops-email">
              <input id="channel-name" name="name" autocomplete="off" spellcheck={false} maxLength={63} aria-invalid={Boolean(err('name'))} aria-describedby={describedBy('channel-name', 'name')} />
            </Field>
            <Field label="Kind" id="channel-kind" error={err('kind')}>
              <select id="channel-kind" name="kind" value={kind()} onChange={(e) => { setKind(e.currentTarget.value as ChannelKind); setErrors({}); }}>
                <For each={CHANNEL_KINDS}>{(k) => <option value={k}>{KIND_LABELS[k]}</option>}</For>
              </select>
            </Field>
          </div>
          <Switch>
            <Match when={kind() === 'email'}>
              <div class="columns">
                <Field label="SMTP host" id="channel-smtp-host" error={err('smtp.host')} hint="the mail relay, like smtp.example.com">
                  <input id="channel-smtp-host" name="smtpHost" autocomplete="off" spellcheck={false} aria-invalid={Boolean(err('smtp.host'))} aria-describedby={describedBy('channel-smtp-host', 'smtp.host')} />
                </Field>
                <Field label="SMTP port" id="channel-smtp-port" error={err('smtp.port')} hint="empty: 587">
                  <input id="channel-smtp-port" name="smtpPort" type="number" inputmode="numeric" min="1" max="65535" placeholder="587" aria-invalid={Boolean(err('smtp.port'))} aria-describedby={describedBy('channel-smtp-port', 'smtp.port')} />
                </Field>
                <Field label="Security" id="channel-smtp-security" error={err('smtp.security')} hint="none is allowed only for a relay on this host">
                  <select id="channel-smtp-security" name="smtpSecurity" aria-describedby={describedBy('channel-smtp-security', 'smtp.security')}>
                    <option value="starttls">STARTTLS (usually port 587)</option>
                    <option value="tls">TLS (usually port 465)</option>
                    <option value="none">none (a relay on this host only)</option>
                  </select>
                </Field>
                <Field label="SMTP credential" id="channel-smtp-credential" error={err('smtp.credential')} hint="optional: the vault name of an smtp credential (user name and password)">
                  {credentialInput({ id: 'channel-smtp-credential', name: 'smtpCredential', field: 'smtp.credential', of: 'smtp' })}
                </Field>
                <Field label="From" id="channel-from" error={err('from')} hint="the sender address, like restore-drill@example.com">
                  <input id="channel-from" name="from" type="email" autocomplete="off" aria-invalid={Boolean(err('from'))} aria-describedby={describedBy('channel-from', 'from')} />
                </Field>
                <Field label="To" id="channel-to" error={err('to')} hint="one or more addresses, separated by commas">
                  <input id="channel-to" name="to" autocomplete="off" aria-invalid={Boolean(err('to'))} aria-describedby={describedBy('channel-to', 'to')} />
                </Field>
              </div>
            </Match>
            <Match when={kind() === 'slack'}>
              <Field label="Webhook URL credential" id="channel-slack-url" error={err('webhookUrl')} hint="the vault name of a secret-url credential holding the Slack incoming-webhook URL">
                {credentialInput({ id: 'channel-slack-url', name: 'webhookUrl', field: 'webhookUrl', of: 'secret-url' })}
              </Field>
            </Match>
            <Match when={kind() === 'webhook'}>
              <div class="columns">
                <Field label="URL" id="channel-url" error={err('url')} hint="where alerts are POSTed, like https://hooks.example.com/restore-drill">
                  <input id="channel-url" name="url" type="url" autocomplete="off" spellcheck={false} aria-invalid={Boolean(err('url'))} aria-describedby={describedBy('channel-url', 'url')} />
                </Field>
                <Field label="Signing secret credential" id="channel-signing-secret" error={err('signingSecret')} hint="the vault name of a webhook-secret credential: bodies are signed per Standard Webhooks">
                  {credentialInput({ id: 'channel-signing-secret', name: 'signingSecret', field: 'signingSecret', of: 'webhook-secret' })}
                </Field>
              </div>
            </Match>
            <Match when={kind() === 'ping'}>
              <Field label="Ping URL credential" id="channel-url" error={err('url')} hint="the vault name of a secret-url credential holding the check's ping URL">
                {credentialInput({ id: 'channel-url', name: 'pingUrl', field: 'url', of: 'secret-url' })}
              </Field>
            </Match>
          </Switch>
          <Show when={err('form')}>
            <p class="error" role="alert">
              {err('form')}
            </p>
          </Show>
          <button type="submit" disabled={adding()}>
            {adding() ? 'Adding…' : 'Add channel'}
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="channels-title">
        <h2 id="channels-title">All channels</h2>
        <Show when={actionError()}>
          <p class="error" role="alert">
            {actionError()}
          </p>
        </Show>
        <Show when={channels.error}>
          <p class="error" role="alert">
            Cannot load the channels: {failureText(channels.error)}
          </p>
        </Show>
        <Show when={list()} fallback={<Show when={!channels.error}><p aria-busy="true">Loading channels…</p></Show>}>
          <Show when={list()!.length > 0} fallback={<p>No channels yet: add one above, then route plans to it.</p>}>
            <div class="table-wrap" aria-busy={channels.loading}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Sends to</th>
                    <th scope="col">Health</th>
                    <th scope="col">Last delivered</th>
                    <th scope="col">Used by</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(channel) => {
                      const result = () => results()[channel.id];
                      return (
                        <tr>
                          <th scope="row">
                            {channel.name}
                          </th>
                          <td>{KIND_LABELS[channel.kind as ChannelKind] ?? channel.kind}</td>
                          <td class="wrap small">{target(channel)}</td>
                          <td>
                            <Status value={channel.health.status} />
                            <Show when={channel.health.consecutiveFailures > 0}>
                              <div class="small">
                                {channel.health.consecutiveFailures} failed in a row, last <Time iso={channel.health.lastFailureAt} />
                              </div>
                            </Show>
                            <Show when={channel.health.lastError}>
                              <div class="small wrap bad">{channel.health.lastError}</div>
                            </Show>
                          </td>
                          <td>
                            <Show when={channel.health.lastSuccessAt} fallback="never">
                              <Time iso={channel.health.lastSuccessAt} relative />
                            </Show>
                          </td>
                          <td class="wrap small">{channel.usedBy.map((p) => p.name).join(', ') || 'no plan'}</td>
                          <td>
                            <div class="actions">
                              <button type="button" class="secondary" disabled={busy() !== undefined} aria-busy={busy() === `test:${channel.id}`} aria-label={`Send test to ${channel.name}`} onClick={() => test(channel)}>
                                {busy() === `test:${channel.id}` ? 'Sending…' : 'Send test'}
                              </button>
                              <button type="button" class="danger" disabled={busy() !== undefined} aria-label={`Remove channel ${channel.name}`} onClick={() => setRemoving(channel)}>
                                Remove
                              </button>
                            </div>
                            <Show when={result()}>
                              {(r) => {
                                const outcome = r();
                                return 'error' in outcome ? (
                                  <p class="error small" role="alert">
                                    Test not sent: {outcome.error}
                                  </p>
                                ) : outcome.status === 'sent' ? (
                                  <p class="small" role="status">
                                    Test message sent{outcome.detail ? `: ${outcome.detail}` : '.'}
                                  </p>
                                ) : (
                                  <p class="error small" role="alert">
                                    Test message failed{outcome.detail ? `: ${outcome.detail}` : '.'}
                                  </p>
                                );
                              }}
                            </Show>
                          </td>
                        </tr>
                      );
                    }}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </section>

      <ConfirmDialog
        open={removing() !== undefined}
        title={`Remove channel ${removing()?.name ?? ''}?`}
        confirmLabel="Remove the channel"
        cancelLabel="Keep it"
        onClose={() => setRemoving(undefined)}
        onConfirm={() => {
          const channel = removing()!;
          setRemoving(undefined);
          void remove(channel);
        }}
      >
        <p>Alerts stop going to it. A channel that plans still route to is not removed: take it out of their alerts first.</p>
      </ConfirmDialog>
    </>
  );
}
