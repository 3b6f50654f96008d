/** Who is signed in, for the whole app: read once, refreshed on sign-in, cleared on sign-out or a 401. */
import { createResource } from 'solid-js';
import { api, ApiFailure, bodyOf, onSignedOut, type Me } from './api.js';

async function fetchMe(): Promise<Me | null> {
  try {
    return await bodyOf(api.auth.me.$get());
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return null;
    throw err;
  }
}

const [me, { refetch, mutate }] = createResource(fetchMe);
onSignedOut(() => mutate(null));

export const session = {
  me,
  refresh: () => refetch(),
  isManager: () => me()?.user.role === 'manager',
  async signOut() {
    await bodyOf(api.auth.logout.$post()).catch(() => undefined);
    mutate(null);
  },
};
