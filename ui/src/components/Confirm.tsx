/**
 * A modal question before something that cannot be undone: the safe answer has the focus, Escape
 * and the safe answer close it, the other answer does it.
 */
import { createEffect, createUniqueId, type JSX } from 'solid-js';

export function ConfirmDialog(props: { open: boolean; title: string; confirmLabel: string; cancelLabel: string; onConfirm: () => void; onClose: () => void; children?: JSX.Element }) {
  let dialog!: HTMLDialogElement;
  const titleId = createUniqueId();
  createEffect(() => {
    if (props.open && !dialog.open) dialog.showModal();
    else if (!props.open && dialog.open) dialog.close();
  });
  return (
    <dialog ref={dialog} aria-labelledby={titleId} onClose={() => props.onClose()}>
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" class="danger" onClick={() => props.onConfirm()}>
          {props.confirmLabel}
        </button>
        <button type="button" class="secondary" autofocus onClick={() => dialog.close()}>
          {props.cancelLabel}
        </button>
      </div>
    </dialog>
  );
}
