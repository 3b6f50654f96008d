/**
 * API tokens (everyone signed in): the CLI and scripts call the API with one. A new token's secret
 * is shown once, with a copy button; tokens are listed by name and prefix, and revoked at once.
 */
import { createSignal, For, Show } from 'solid-js';
import { ApiFailure, failureText, type TokenView } from '../api.js';
import { ConfirmDialog } from '../components/Confirm.js';
import { Field } from '../components/Field.js';
import { OnceSecret } from '../components/OnceSecret.js';
import { Time } from '../components/Time.js';
import { createToken, loadTokens, revokeToken } from './tokens.data.js';
import { createRowActions } from '../components/row-actions.js';

const MAX_DAYS = 3650;

export default function Tokens() {
  const { tokens, refetch } = loadTokens();
  const list = () => (tokens.error ? undefined : tokens());
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [creating, setCreating] = createSignal(false);
  const [created, setCreated] = createSignal<{ name: string; secret: string }>();
  const { busy, error: actionError, run } = createRowActions(refetch);
  const [revoking, setRevoking] = createSignal<TokenView>();
  let nameInput!: HTMLInputElement;

  async function create(event: SubmitEvent) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const daysText = String(data.get('days') ?? '').trim();
    const days = daysText ? Number(daysText) : undefined;
    const problems: Record<string, string> = {};
    if (!name) problems.name = 'a name that says where it is used ("ci", "laptop")';
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)) problems.expiresInDays = `a whole number of days from 1 to ${MAX_DAYS}, or empty`;
    setErrors(problems);
    if (Object.keys(problems).length) {
      document.getElementById(problems.name ? 'token-name' : 'token-days')?.focus();
      return;
    }
    setCreating(true);
    setCreated(undefined);
    try {
      const answer = await createToken(name, days);
      form.reset();
      setCreated({ name: answer.name, secret: answer.token });
      await refetch();
    } catch (err) {
      const field = err instanceof ApiFailure ? err.field : undefined;
      setErrors(field ? { [field.field]: field.text } : { form: failureText(err) });
      nameInput.focus();
    } finally {
      setCreating(false);
    }
  }

  const revoke = (token: TokenView) => run(token.id, token.name, () => revokeToken(token));

  return (
    <>
      <header class="page-head">
        <h1>API tokens</h1>
        <p class="muted">
          For the CLI and scripts: send one as <code>Authorization: Bearer rdt_…</code>. A token acts as you, with your role.
        </p>
      </header>

      <section class="card" aria-labelledby="new-token-title">
        <h2 id="new-token-title">Create a token</h2>
        <Show when={created()}>
          {(c) => <OnceSecret lead={`New token ${c().name}:`} secret={c().secret} secretId="new-token-secret" copyLabel="Copy token" onDismiss={() => setCreated(undefined)} />}
        </Show>
        <form onSubmit={create} noValidate aria-busy={creating()}>
          <div class="columns">
            <Field label="Name" id="token-name" error={errors().name} hint="where it is used: ci, laptop, backup-host">
              <input ref={nameInput} id="token-name" name="name" autocomplete="off" maxLength={100} aria-invalid={Boolean(errors().name)} aria-describedby={errors().name ? 'token-name-error' : 'token-name-hint'} />
            </Field>
            <Field label="Expires after (days)" id="token-days" error={errors().expiresInDays} hint="empty: until you revoke it">
              <input id="token-days" name="days" type="number" inputmode="numeric" min="1" max={MAX_DAYS} step="1" aria-invalid={Boolean(errors().expiresInDays)} aria-describedby={errors().expiresInDays ? 'token-days-error' : 'token-days-hint'} />
            </Field>
          </div>
          <Show when={errors().form}>
            <p class="error" role="alert">
              {errors().form}
            </p>
          </Show>
          <button type="submit" disabled={creating()}>
            {creating() ? 'Creating…' : 'Create token'}
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Your tokens</h2>
        <Show when={actionError()}>
          <p class="error" role="alert">
            {actionError()}
          </p>
        </Show>
        <Show when={tokens.error}>
          <p class="error" role="alert">
            Cannot load your tokens: {failureText(tokens.error)}
          </p>
        </Show>
        <Show when={list()} fallback={<Show when={!tokens.error}><p aria-busy="true">Loading tokens…</p></Show>}>
          <Show when={list()!.length > 0} fallback={<p>No tokens yet.</p>}>
            <div class="table-wrap" aria-busy={tokens.loading || busy() !== undefined}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Starts with</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(token) => (
                      <tr>
                        <th scope="row">
                          {token.name}
                        </th>
                        <td class="mono">{token.prefix}</td>
                        <td>
                          <Time iso={token.createdAt} />
                        </td>
                        <td>
                          <Show when={token.expiresAt} fallback="never">
                            <Time iso={token.expiresAt} relative />
                          </Show>
                        </td>
                        <td>
                          <Show when={token.lastUsedAt} fallback="never">
                            <Time iso={token.lastUsedAt} relative />
                          </Show>
                        </td>
                        <td>
                          <button type="button" class="danger" disabled={busy() === token.id} aria-label={`Revoke token ${token.name}`} onClick={() => setRevoking(token)}>
                            {busy() === token.id ? 'Revoking…' : 'Revoke'}
                          </button>
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

      <ConfirmDialog
        open={revoking() !== undefined}
        title={`Revoke token ${revoking()?.name ?? ''}?`}
        confirmLabel="Revoke the token"
        cancelLabel="Keep it"
        onClose={() => setRevoking(undefined)}
        onConfirm={() => {
          const token = revoking()!;
          setRevoking(undefined);
          void revoke(token);
        }}
      >
        <p>Whatever uses it is refused from now on. This cannot be undone: make a new token instead.</p>
      </ConfirmDialog>
    </>
  );
}
