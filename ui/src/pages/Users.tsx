/**
 * Users (managers): who may sign in and with what role. Adding someone generates their first
 * password, shown once; each row changes the role, disables or re-enables, or removes (after a
 * confirmation). The API refuses to leave no active manager (last_manager): its reason is shown.
 */
import { createSignal, For, Show } from 'solid-js';
import { ApiFailure, failureText, type UserView } from '../api.js';
import { ConfirmDialog } from '../components/Confirm.js';
import { Field } from '../components/Field.js';
import { ManagersOnly } from '../components/Guards.js';
import { OnceSecret } from '../components/OnceSecret.js';
import { Time } from '../components/Time.js';
import { session } from '../session.js';
import { addUser, changeRole, loadUsers, removeUser, ROLES, setDisabled, type Role } from './users.data.js';
import { createRowActions } from '../components/row-actions.js';

export default function Users() {
  return (
    <ManagersOnly>
      <UsersPage />
    </ManagersOnly>
  );
}

function UsersPage() {
  const { users, refetch } = loadUsers();
  // An errored resource throws when read: the list is read only while there is one.
  const list = () => (users.error ? undefined : users());
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [adding, setAdding] = createSignal(false);
  const [created, setCreated] = createSignal<{ email: string; password: string }>();
  const { busy, error: actionError, run } = createRowActions(refetch);
  const [removing, setRemoving] = createSignal<UserView>();
  let emailInput!: HTMLInputElement;

  async function add(event: SubmitEvent) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const email = String(data.get('email') ?? '').trim();
    const role = String(data.get('role') ?? 'user') as Role;
    if (!email) {
      setErrors({ email: 'the email address they will sign in with' });
      emailInput.focus();
      return;
    }
    setAdding(true);
    setErrors({});
    setCreated(undefined);
    try {
      const answer = await addUser(email, role);
      form.reset();
      if (answer.initialPassword) setCreated({ email: answer.user.email, password: answer.initialPassword });
      await refetch();
    } catch (err) {
      const field = err instanceof ApiFailure ? err.field : undefined;
      if (field) setErrors({ [field.field]: field.text });
      else if (err instanceof ApiFailure && err.status === 409) setErrors({ email: err.message });
      else setErrors({ form: failureText(err) });
      emailInput.focus();
    } finally {
      setAdding(false);
    }
  }

  const act = (user: UserView, action: () => Promise<unknown>) => run(user.id, user.email, action);

  return (
    <>
      <header class="page-head">
        <h1>Users</h1>
        <p class="muted">Who may sign in, and who manages (users, credentials, channels, the audit trail).</p>
      </header>

      <section class="card" aria-labelledby="add-user-title">
        <h2 id="add-user-title">Add a user</h2>
        <Show when={created()}>
          {(c) => <OnceSecret lead={`Initial password for ${c().email}:`} secret={c().password} secretId="initial-password" copyLabel="Copy password" onDismiss={() => setCreated(undefined)} />}
        </Show>
        <form onSubmit={add} noValidate aria-busy={adding()}>
          <div class="columns">
            <Field label="Email" id="user-email" error={errors().email} hint="they sign in with it; a password is generated for them">
              <input
                ref={emailInput}
                id="user-email"
                name="email"
                type="email"
                autocomplete="off"
                required
                maxLength={320}
                aria-invalid={Boolean(errors().email)}
                aria-describedby={errors().email ? 'user-email-error' : 'user-email-hint'}
              />
            </Field>
            <Field label="Role" id="user-role" error={errors().role} hint="managers also manage users, credentials, channels and the audit trail">
              <select id="user-role" name="role" aria-describedby={errors().role ? 'user-role-error' : 'user-role-hint'}>
                <For each={ROLES}>{(role) => <option value={role}>{role}</option>}</For>
              </select>
            </Field>
          </div>
          <Show when={errors().form}>
            <p class="error" role="alert">
              {errors().form}
            </p>
          </Show>
          <button type="submit" disabled={adding()}>
            {adding() ? 'Adding…' : 'Add user'}
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="users-title">
        <h2 id="users-title">Everyone</h2>
        <Show when={actionError()}>
          <p class="error" role="alert">
            {actionError()}
          </p>
        </Show>
        <Show when={users.error}>
          <p class="error" role="alert">
            Cannot load the users: {failureText(users.error)}
          </p>
        </Show>
        <Show when={list()} fallback={<Show when={!users.error}><p aria-busy="true">Loading users…</p></Show>}>
          <div class="table-wrap" aria-busy={users.loading || busy() !== undefined}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Disabled</th>
                  <th scope="col">Password sign-in</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(user) => {
                    const isMe = () => session.me()?.user.id === user.id;
                    const other: Role = user.role === 'manager' ? 'user' : 'manager';
                    return (
                      <tr>
                        <th scope="row" class="wrap">
                          {user.email}
                          <Show when={isMe()}>
                            <span class="muted"> (you)</span>
                          </Show>
                          <Show when={user.displayName}>
                            <div class="muted small">{user.displayName}</div>
                          </Show>
                        </th>
                        <td>{user.role}</td>
                        <td>{user.disabled ? <span class="badge bad">disabled</span> : 'no'}</td>
                        <td>{user.passwordSignIn ? 'yes' : 'no'}</td>
                        <td>
                          <Time iso={user.createdAt} />
                          <div class="muted small">by {user.createdBy}</div>
                        </td>
                        <td>
                          <div class="actions">
                            <button type="button" class="secondary" disabled={busy() === user.id} aria-label={`Make ${other}: ${user.email}`} onClick={() => act(user, () => changeRole(user, other))}>
                              Make {other}
                            </button>
                            <button type="button" class="secondary" disabled={busy() === user.id} aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`} onClick={() => act(user, () => setDisabled(user, !user.disabled))}>
                              {user.disabled ? 'Enable' : 'Disable'}
                            </button>
                            <button type="button" class="danger" disabled={busy() === user.id} aria-label={`Remove ${user.email}`} onClick={() => setRemoving(user)}>
                              Remove
                            </button>
                          </div>
                        </td>
                      </tr>
                    );
                  }}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </section>

      <ConfirmDialog
        open={removing() !== undefined}
        title={`Remove ${removing()?.email ?? ''}?`}
        confirmLabel="Remove the user"
        cancelLabel="Keep them"
        onClose={() => setRemoving(undefined)}
        onConfirm={() => {
          const user = removing()!;
          setRemoving(undefined);
          void act(user, () => removeUser(user));
        }}
      >
        <p>Their sessions and API tokens end at once. What they did stays in the audit trail.</p>
      </ConfirmDialog>
    </>
  );
}
