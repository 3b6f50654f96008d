/** Any path the app does not know. */
import { A } from '@solidjs/router';

export default function NotFound() {
  return (
    <section class="card narrow">
      <h1>Not found</h1>
      <p>
        There is no page here. <A href="/">Back to the home page</A>.
      </p>
    </section>
  );
}
