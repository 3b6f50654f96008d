/**
 * A secret the API shows once (a new token, a generated password): announced, selectable, with a
 * copy button, and gone when dismissed or when the page is left.
 */
import { createSignal } from 'solid-js';

export function OnceSecret(props: { lead: string; secret: string; secretId: string; copyLabel: string; onDismiss: () => void }) {
  const [copied, setCopied] = createSignal<string>('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('Copied.');
    } catch {
      // No clipboard (an http page that is not localhost, a refused permission): select it instead.
      const node = document.getElementById(props.secretId);
      if (node) window.getSelection()?.selectAllChildren(node);
      setCopied('Copying is not allowed here: it is selected, press Ctrl+C (⌘C).');
    }
  }
  return (
    <div class="notice">
      <p role="status">
        {props.lead} <code id={props.secretId} class="secret mono">{props.secret}</code>
      </p>
      <p class="small">It is shown only this once: copy it now.</p>
      <div class="actions">
        <button type="button" onClick={copy}>
          {props.copyLabel}
        </button>
        <button type="button" class="secondary" onClick={() => props.onDismiss()}>
          Done
        </button>
        <span class="small" aria-live="polite">
          {copied()}
        </span>
      </div>
    </div>
  );
}
