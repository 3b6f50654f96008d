/**
 * The backup form of the home page, in two uses: "run a test restoration" (an unsaved plan) and
 * "schedule a regular restoration test" (a saved plan with a schedule). What it builds is checked
 * with the API's own plan schema before it is sent, so errors show beside their fields.
 */
import { createSignal, For, Show } from 'solid-js';
import { ENGINES } from '../../../core/engines.js';
import { planSchema, type PlanInput } from '../../../core/plan.js';
import { ApiFailure } from '../api.js';
import { CredentialInput } from './CredentialInput.js';
import { Field, fieldErrors } from './Field.js';
import { ScheduleFields, scheduleFrom, type Frequency } from './ScheduleFields.js';

export const LOCATIONS = {
  local: { label: 'This server (a path)', prefix: '' },
  s3: { label: 'Amazon S3 (or compatible)', prefix: 's3://' },
  sftp: { label: 'SSH server (SFTP)', prefix: 'sftp://' },
  http: { label: 'HTTP(S) URL', prefix: 'https://' },
} as const;
type Location = keyof typeof LOCATIONS;


export function PlanForm(props: { idPrefix: string; withSchedule: boolean; submitLabel: string; busyLabel: string; onSubmit: (plan: PlanInput) => Promise<void> }) {
  const [location, setLocation] = createSignal<Location>('local');
  const [frequency, setFrequency] = createSignal<Frequency>('daily');
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const id = (name: string) => `${props.idPrefix}-${name}`;

  function build(form: FormData): unknown {
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const where = location();
    const backup = text('backup');
    const source = where === 'local' ? { kind: 'file', path: backup } : { kind: 'uri', uri: backup, ...(text('credential') ? { credential: text('credential') } : {}) };
    const schedule = props.withSchedule ? scheduleFrom(form, frequency()) : null;
    return {
      name: text('name') || `${text('engine')} backup ${backup}`.slice(0, 100),
      engine: text('engine'),
      source,
      ...(text('engineVersion') ? { engineVersion: text('engineVersion') } : {}),
      ...(text('decryptWith') ? { decryptWith: text('decryptWith') } : {}),
      schedule,
    };
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const candidate = build(form);
    const problems: Record<string, string> = {};
    const prefix = LOCATIONS[location()].prefix;
    const backup = String(form.get('backup') ?? '').trim();
    if (!backup) problems['source.path'] = 'say where the backup is';
    else if (prefix && !backup.startsWith(prefix) && !(location() === 'http' && backup.startsWith('http://'))) problems['source.uri'] = `starts with ${prefix}`;
    const parsed = planSchema.safeParse(candidate);
    const all = { ...(parsed.success ? {} : fieldErrors(parsed.error.issues)), ...problems };
    setErrors(all);
    if (Object.keys(all).length > 0) {
      document.getElementById(id(fieldOf(Object.keys(all)[0]!)))?.focus();
      return;
    }
    setBusy(true);
    try {
      await props.onSubmit(candidate as PlanInput);
    } catch (err) {
      const failure = err instanceof ApiFailure ? err.field : undefined;
      setErrors(failure ? { [failure.field]: failure.text } : { form: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  const error = (...paths: string[]) => paths.map((p) => errors()[p]).find(Boolean);

  return (
    <form onSubmit={submit} novalidate>
      <Show when={props.withSchedule}>
        <Field label="Name" id={id('name')} error={error('name')}>
          <input id={id('name')} name="name" required maxlength="100" aria-invalid={Boolean(error('name'))} />
        </Field>
      </Show>
      <Field label="Location" id={id('location')}>
        <select id={id('location')} name="location" onChange={(e) => setLocation(e.currentTarget.value as Location)}>
          <For each={Object.entries(LOCATIONS)}>{([value, { label }]) => <option value={value}>{label}</option>}</For>
        </select>
      </Field>
      <Field
        label={location() === 'local' ? 'Backup file or folder' : 'Backup URI'}
        id={id('backup')}
        error={error('source.path', 'source.uri', 'source')}
        hint={location() === 'local' ? 'e.g. /backups/app.dump, or a folder with a pattern like /backups/app-*.dump (newest wins)' : `e.g. ${LOCATIONS[location()].prefix}${location() === 's3' ? 'bucket/backups/app.dump' : location() === 'sftp' ? 'backup@host/backups/app.dump' : 'backups.example.com/app.dump'}`}
      >
        <input id={id('backup')} name="backup" required aria-invalid={Boolean(error('source.path', 'source.uri', 'source'))} />
      </Field>
      <Show when={location() !== 'local'}>
        <Field label="Credential (vault name)" id={id('credential')} error={error('source.credential')} hint="the name a manager gave it under Credentials; leave empty for public objects">
          <CredentialInput id={id('credential')} name="credential" kinds={location() === 's3' ? ['aws'] : location() === 'sftp' ? ['ssh-key'] : ['http']} invalid={Boolean(error('source.credential'))} />
        </Field>
      </Show>
      <Field label="Database type" id={id('engine')} error={error('engine')}>
        <select id={id('engine')} name="engine">
          <For each={ENGINES}>{(engine) => <option value={engine}>{ENGINE_LABELS[engine]}</option>}</For>
        </select>
      </Field>
      <details>
        <summary>More options</summary>
        <Field label="Server version the backup comes from" id={id('engineVersion')} error={error('engineVersion')} hint='e.g. "16" or "10.11"; the drill fails a dump from any other version'>
          <input id={id('engineVersion')} name="engineVersion" inputmode="decimal" />
        </Field>
        <Field label="Decryption key (vault name)" id={id('decryptWith')} error={error('decryptWith')} hint="for backups encrypted with PGP or age">
          <CredentialInput id={id('decryptWith')} name="decryptWith" kinds={['pgp-key', 'age-identity']} invalid={Boolean(error('decryptWith'))} />
        </Field>
      </details>
      <Show when={props.withSchedule}>
        <ScheduleFields idPrefix={props.idPrefix} frequency={frequency()} onFrequency={setFrequency} error={(path) => error(path)} />
      </Show>
      <Show when={errors().form}>
        <p class="error" role="alert">
          {errors().form}
        </p>
      </Show>
      <button type="submit" disabled={busy()}>
        {busy() ? props.busyLabel : props.submitLabel}
      </button>
    </form>
  );
}

const ENGINE_LABELS: Record<(typeof ENGINES)[number], string> = { postgres: 'PostgreSQL', mysql: 'MySQL / MariaDB', mongodb: 'MongoDB' };

/** Which input an error path belongs to, for focusing it. */
function fieldOf(path: string): string {
  if (path.startsWith('source')) return 'backup';
  if (path.startsWith('schedule.')) return path.split('.')[1] === 'days' ? 'frequency' : path.split('.')[1]!;
  return path.split('.')[0]!;
}
