/**
 * A vault credential's name. Managers, who may list the vault, pick from its names (of the kinds
 * that fit); everyone else types the name a manager gave them. Only names are ever shown.
 */
import { createResource, For, Show } from 'solid-js';
import { api, bodyOf } from '../api.js';
import { session } from '../session.js';

export function CredentialInput(props: { id: string; name: string; kinds: readonly string[]; invalid?: boolean }) {
  const [entries] = createResource(
    () => session.isManager(),
    async (manager) => (manager ? (await bodyOf(api.vault.$get())).credentials : []),
  );
  const names = () => (entries() ?? []).filter((entry) => props.kinds.includes(entry.kind)).map((entry) => entry.name);
  return (
    <>
      <input id={props.id} name={props.name} list={`${props.id}-names`} autocomplete="off" aria-invalid={props.invalid ? 'true' : undefined} />
      <Show when={names().length > 0}>
        <datalist id={`${props.id}-names`}>
          <For each={names()}>{(name) => <option value={name} />}</For>
        </datalist>
      </Show>
    </>
  );
}
