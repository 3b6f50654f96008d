/** Sign-in: email and password, and the identity provider's button when one is configured. */
import { useNavigate, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, Show } from 'solid-js';
import { api, bodyOf, ApiFailure } from '../api.js';
import { Field } from '../components/Field.js';
import { session } from '../session.js';

export default function SignIn() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [providers] = createResource(() => bodyOf(api.auth.providers.$get()));
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const returnTo = () => (typeof params.returnTo === 'string' && /^\/(?![/\\])/.test(params.returnTo) ? params.returnTo : '/');

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      await bodyOf(api.auth.login.$post({ json: { email: String(form.get('email')), password: String(form.get('password')) } }));
      await session.refresh();
      navigate(returnTo(), { replace: true });
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="narrow card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <Show when={providers()?.password !== false}>
        <form onSubmit={submit} aria-describedby={error() ? 'sign-in-error' : undefined}>
          <Field label="Email" id="email">
            <input id="email" name="email" type="email" autocomplete="username" required />
          </Field>
          <Field label="Password" id="password">
            <input id="password" name="password" type="password" autocomplete="current-password" required />
          </Field>
          <Show when={error()}>
            <p id="sign-in-error" class="error" role="alert">
              {error()}
            </p>
          </Show>
          <button type="submit" disabled={busy()}>
            {busy() ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </Show>
      <Show when={providers()?.oidc}>
        {(oidc) => (
          <p>
            <a class="button secondary" href={`${oidc().start}?returnTo=${encodeURIComponent(returnTo())}`}>
              Sign in with your identity provider
            </a>
          </p>
        )}
      </Show>
    </section>
  );
}
