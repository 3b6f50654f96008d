/** A labelled form control with its error beside it, announced to screen readers. */
import { Show, type JSX } from 'solid-js';

export function Field(props: { label: string; id: string; error?: string | undefined; hint?: string; children: JSX.Element }) {
  return (
    <div class="field" classList={{ invalid: Boolean(props.error) }}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      <Show when={props.hint && !props.error}>
        <small id={`${props.id}-hint`} class="muted">
          {props.hint}
        </small>
      </Show>
      <Show when={props.error}>
        <small id={`${props.id}-error`} class="error" role="alert">
          {props.error}
        </small>
      </Show>
    </div>
  );
}

/** The first zod issue per field path, as "a.b" → message. */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.') || 'form';
    errors[key] ??= issue.message;
  }
  return errors;
}
