/** Pages for signed-in people only, and pages for managers only (the API refuses them anyway). */
import { Navigate, useLocation } from '@solidjs/router';
import { Match, Switch, type JSX } from 'solid-js';
import { session } from '../session.js';

export function SignedIn(props: { children?: JSX.Element }) {
  const location = useLocation();
  return (
    <Switch>
      <Match when={session.me.loading && session.me() === undefined}>
        <p aria-busy="true">Loading…</p>
      </Match>
      <Match when={session.me.error}>
        <p class="error" role="alert">
          The API cannot be reached: {(session.me.error as Error).message}
        </p>
      </Match>
      <Match when={session.me() === null}>
        <Navigate href={`/sign-in?returnTo=${encodeURIComponent(location.pathname + location.search)}`} />
      </Match>
      <Match when={session.me()}>{props.children}</Match>
    </Switch>
  );
}

export function ManagersOnly(props: { children?: JSX.Element }) {
  return (
    <Switch>
      <Match when={session.isManager()}>{props.children}</Match>
      <Match when={session.me()}>
        <section class="card narrow">
          <h1>Managers only</h1>
          <p>This page is for managers. Ask one if you need something here.</p>
        </section>
      </Match>
    </Switch>
  );
}
