/** Every page's frame: the header with navigation (manager pages for managers only) and sign-out. */
import { A, useNavigate } from '@solidjs/router';
import { Show, type JSX } from 'solid-js';
import { session } from '../session.js';

export function Layout(props: { children?: JSX.Element }) {
  const navigate = useNavigate();
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <A href="/" class="brand" end>
          Restore Drill
        </A>
        <Show when={session.me()}>
          {(me) => (
            <nav aria-label="Main">
              <A href="/" end>
                Home
              </A>
              <A href="/tokens">Tokens</A>
              <Show when={session.isManager()}>
                <A href="/users">Users</A>
                <A href="/credentials">Credentials</A>
                <A href="/channels">Channels</A>
                <A href="/audit">Audit</A>
              </Show>
              <span class="who" title={me().user.role}>
                {me().user.email}
              </span>
              <button
                type="button"
                class="link"
                onClick={async () => {
                  await session.signOut();
                  navigate('/sign-in');
                }}
              >
                Sign out
              </button>
            </nav>
          )}
        </Show>
      </header>
      <main id="main" tabindex="-1">
        {props.children}
      </main>
    </>
  );
}
