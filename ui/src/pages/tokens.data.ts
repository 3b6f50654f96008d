/** The tokens page's data: the signed-in person's own API tokens (never their secrets). */
import { createResource } from 'solid-js';
import { api, bodyOf, byId, type NewToken, type TokenView } from '../api.js';

export function loadTokens() {
  const [tokens, { refetch }] = createResource(async () => (await bodyOf(api.tokens.$get())).tokens);
  return { tokens, refetch };
}

/** The answer carries the secret (`token`): the only time it is ever shown. */
export function createToken(name: string, expiresInDays: number | undefined): Promise<NewToken> {
  return bodyOf(api.tokens.$post({ json: { name, ...(expiresInDays !== undefined ? { expiresInDays } : {}) } }));
}

export async function revokeToken(token: TokenView): Promise<void> {
  await bodyOf(api.tokens[':id'].$delete({ param: byId(token.id) }));
}
