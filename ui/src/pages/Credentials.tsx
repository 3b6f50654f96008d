/**
 * Credentials (managers): the vault's entries by name, kind and a non-secret fingerprint, when
 * each was added and last used; adding one by pasting what `drill vault add --from-file` reads;
 * deleting one after a confirmation. Pasted material goes to the API and is then cleared from the
 * form: it is never kept in the page's state, never shown, and the API never answers it back.
 */
import { createSignal, For, Show } from 'solid-js';
import { CREDENTIAL_KINDS, type CredentialKind } from '../../../core/credentials.js';
import { ApiFailure, failureText, type VaultCredential } from '../api.js';
import { ConfirmDialog } from '../components/Confirm.js';
import { Field } from '../components/Field.js';
import { ManagersOnly } from '../components/Guards.js';
import { Time } from '../components/Time.js';
import { addCredential, deleteCredential, KIND_HINTS, loadCredentials, WITH_PASSPHRASE, type NewCredential } from './credentials.data.js';
import { createRowActions } from '../components/row-actions.js';

export default function Credentials() {
  return (
    <ManagersOnly>
      <CredentialsPage />
    </ManagersOnly>
  );
}

const FIELDS = ['name', 'kind', 'material', 'passphrase', 'hostFingerprint'] as const;
const FIELD_IDS: Record<string, string> = { name: 'cred-name', kind: 'cred-kind', material: 'cred-material', passphrase: 'cred-passphrase', hostFingerprint: 'cred-host-fingerprint', form: 'cred-name' };

/** A message that would repeat a line of what was pasted (the API's never do) is not shown. */
function withoutSecrets(message: string, secrets: string[]): string {
  const lines = secrets.flatMap((s) => s.split(/\r?\n/)).map((l) => l.trim()).filter((l) => l.length >= 6);
  return lines.some((line) => message.includes(line)) ? 'the material is not valid for this kind' : message;
}

function CredentialsPage() {
  const { credentials, refetch } = loadCredentials();
  const list = () => (credentials.error ? undefined : credentials());
  const [kind, setKind] = createSignal<CredentialKind>(CREDENTIAL_KINDS[0]);
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [adding, setAdding] = createSignal(false);
  const [added, setAdded] = createSignal<VaultCredential>();
  const { busy, error: actionError, run } = createRowActions(refetch);
  const [deleting, setDeleting] = createSignal<VaultCredential>();
  let form!: HTMLFormElement;

  const control = (id: string) => document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null;
  function clearSecrets() {
    for (const id of ['cred-material', 'cred-passphrase']) {
      const node = control(id);
      if (node) node.value = '';
    }
  }

  async function add(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '');
    const request: NewCredential = { name: text('name').trim(), kind: kind(), material: text('material') };
    const passphrase = text('passphrase');
    const hostFingerprint = text('hostFingerprint').trim();
    if (passphrase && WITH_PASSPHRASE.includes(request.kind)) request.passphrase = passphrase;
    if (hostFingerprint && request.kind === 'ssh-key') request.hostFingerprint = hostFingerprint;
    const problems: Record<string, string> = {};
    if (!request.name) problems.name = 'the name plans and channels will use, like backup-host';
    if (!request.material.trim()) problems.material = 'paste the credential';
    setErrors(problems);
    setAdded(undefined);
    if (Object.keys(problems).length) {
      control(FIELD_IDS[Object.keys(problems)[0]!]!)?.focus();
      return;
    }
    setAdding(true);
    try {
      const entry = await addCredential(request);
      clearSecrets();
      for (const id of ['cred-name', 'cred-host-fingerprint']) {
        const node = control(id);
        if (node) node.value = '';
      }
      setAdded(entry);
      await refetch();
    } catch (err) {
      const secrets = [request.material, request.passphrase ?? ''];
      const message = withoutSecrets(failureText(err), secrets);
      const field = err instanceof ApiFailure ? err.field : undefined;
      let shown: Record<string, string>;
      if (field && (FIELDS as readonly string[]).includes(field.field)) shown = { [field.field]: withoutSecrets(field.text, secrets) };
      else if (err instanceof ApiFailure && err.status === 409) shown = { name: message };
      else if (err instanceof ApiFailure && err.code === 'validation_failed') shown = /passphrase/.test(message) && WITH_PASSPHRASE.includes(request.kind) ? { passphrase: message } : /host fingerprint/.test(message) ? { hostFingerprint: message } : { material: message };
      else shown = { form: message };
      setErrors(shown);
      control(FIELD_IDS[Object.keys(shown)[0]!] ?? 'cred-name')?.focus();
    } finally {
      setAdding(false);
    }
  }

  const remove = (entry: VaultCredential) => run(entry.name, entry.name, () => deleteCredential(entry.name));

  const describedBy = (id: string, field: string) => (errors()[field] ? `${id}-error` : `${id}-hint`);

  return (
    <>
      <header class="page-head">
        <h1>Credentials</h1>
        <p class="muted">The vault: keys and passwords plans and channels name. Secrets are encrypted at rest, read only by drills, and never shown again.</p>
      </header>

      <section class="card" aria-labelledby="add-credential-title">
        <h2 id="add-credential-title">Add a credential</h2>
        <Show when={added()}>
          {(entry) => (
            <p class="notice" role="status">
              Added credential {entry().name} ({entry().kind}
              {entry().fingerprint ? `, ${entry().fingerprint}` : ''}).
            </p>
          )}
        </Show>
        <form ref={form} onSubmit={add} noValidate aria-busy={adding()} autocomplete="off">
          <div class="columns">
            <Field label="Name" id="cred-name" error={errors().name} hint={'lower-case letters, digits, ".", "_" and "-": plans and channels name it'}>
              <input id="cred-name" name="name" autocomplete="off" spellcheck={false} autocapitalize="off" maxLength={128} aria-invalid={Boolean(errors().name)} aria-describedby={describedBy('cred-name', 'name')} />
            </Field>
            <Field label="Kind" id="cred-kind" error={errors().kind} hint={KIND_HINTS[kind()]}>
              <select id="cred-kind" name="kind" value={kind()} onChange={(e) => setKind(e.currentTarget.value as CredentialKind)} aria-describedby={describedBy('cred-kind', 'kind')}>
                <For each={CREDENTIAL_KINDS}>{(k) => <option value={k}>{k}</option>}</For>
              </select>
            </Field>
          </div>
          <Field label="Secret material" id="cred-material" error={errors().material} hint="Sent to the vault, then cleared from this form; never shown again.">
            <textarea
              id="cred-material"
              name="material"
              class="mono"
              rows={8}
              autocomplete="off"
              spellcheck={false}
              autocapitalize="off"
              autocorrect="off"
              data-1p-ignore=""
              data-lpignore="true"
              aria-invalid={Boolean(errors().material)}
              aria-describedby={`${describedBy('cred-material', 'material')} cred-kind-hint`}
            />
          </Field>
          <Show when={WITH_PASSPHRASE.includes(kind())}>
            <div class="columns">
              <Field label="Passphrase" id="cred-passphrase" error={errors().passphrase} hint="only if the key is locked with one">
                <input id="cred-passphrase" name="passphrase" type="password" autocomplete="new-password" data-1p-ignore="" data-lpignore="true" aria-invalid={Boolean(errors().passphrase)} aria-describedby={describedBy('cred-passphrase', 'passphrase')} />
              </Field>
              <Show when={kind() === 'ssh-key'}>
                <Field label="Host fingerprint" id="cred-host-fingerprint" error={errors().hostFingerprint} hint="the server's host key, SHA256:… as ssh-keyscan HOST | ssh-keygen -lf - prints it: SFTP connects only to that server">
                  <input id="cred-host-fingerprint" name="hostFingerprint" class="mono" autocomplete="off" spellcheck={false} autocapitalize="off" maxLength={100} aria-invalid={Boolean(errors().hostFingerprint)} aria-describedby={describedBy('cred-host-fingerprint', 'hostFingerprint')} />
                </Field>
              </Show>
            </div>
          </Show>
          <Show when={errors().form}>
            <p class="error" role="alert">
              {errors().form}
            </p>
          </Show>
          <button type="submit" disabled={adding()}>
            {adding() ? 'Adding…' : 'Add credential'}
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="credentials-title">
        <h2 id="credentials-title">In the vault</h2>
        <Show when={actionError()}>
          <p class="error" role="alert">
            {actionError()}
          </p>
        </Show>
        <Show when={credentials.error}>
          <p class="error" role="alert">
            Cannot load the credentials: {failureText(credentials.error)}
          </p>
        </Show>
        <Show when={list()} fallback={<Show when={!credentials.error}><p aria-busy="true">Loading credentials…</p></Show>}>
          <Show when={list()!.length > 0} fallback={<p>The vault is empty.</p>}>
            <div class="table-wrap" aria-busy={credentials.loading || busy() !== undefined}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Fingerprint</th>
                    <th scope="col">Stored in</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(entry) => (
                      <tr>
                        <th scope="row">
                          {entry.name}
                        </th>
                        <td>{entry.kind}</td>
                        <td class="wrap mono">{entry.fingerprint ?? '—'}</td>
                        <td>{entry.backend === 'aws' ? 'AWS Secrets Manager' : 'this database'}</td>
                        <td>
                          <Time iso={entry.createdAt} />
                        </td>
                        <td>
                          <Show when={entry.lastUsedAt} fallback="never">
                            <Time iso={entry.lastUsedAt} relative />
                          </Show>
                        </td>
                        <td>
                          <button type="button" class="danger" disabled={busy() === entry.name} aria-label={`Delete credential ${entry.name}`} onClick={() => setDeleting(entry)}>
                            {busy() === entry.name ? 'Deleting…' : 'Delete'}
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
        open={deleting() !== undefined}
        title={`Delete credential ${deleting()?.name ?? ''}?`}
        confirmLabel="Delete the credential"
        cancelLabel="Keep it"
        onClose={() => setDeleting(undefined)}
        onConfirm={() => {
          const entry = deleting()!;
          setDeleting(undefined);
          void remove(entry);
        }}
      >
        <p>Its secret is destroyed. Plans and channels that name it fail until a credential of that name is added again.</p>
      </ConfirmDialog>
    </>
  );
}
