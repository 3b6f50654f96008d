/** A moment in the reader's own time zone, with UTC on hover, and how long ago or ahead it is. */
import { Show } from 'solid-js';
import { formatBytes, formatDuration } from '../../../core/duration.js';

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86_400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86_400), 'd'];
  return seconds <= 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

export function Time(props: { iso: string | null | undefined; relative?: boolean }) {
  return (
    <Show when={props.iso} fallback={<span>—</span>}>
      {(iso) => (
        <time datetime={iso()} title={`${iso().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} UTC`}>
          {local.format(new Date(iso()))}
          <Show when={props.relative}>
            <span class="muted"> ({ago(iso())})</span>
          </Show>
        </time>
      )}
    </Show>
  );
}

/** core/duration's formats, with a dash for what is not known. */
export function duration(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : formatDuration(ms);
}

export function bytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : formatBytes(n);
}
