/**
 * The backup form of the home page, in two uses: "run a test restoration" (an unsaved plan) and
 * "schedule a regular restoration test" (a saved plan with a schedule). What it builds is checked
 * with the API's own plan schema before it is sent, so errors show beside their fields.
 */
import { createSignal, For, Show } from 'solid-js';
import { ENGINES } from '../../../core/engines.js';
import { planSchema, type PlanInput } from '../../../core/plan.js';
import { WEEKDAYS } from '../../../core/schedule.js';
import { ApiFailure } from '../api.js';
import { Field, fieldErrors } from './Field.js';

export const LOCATIONS = {
  local: { label: 'This server (a path)', prefix: '' },
  s3: { label: 'Amazon S3 (or compatible)', prefix: 's3://' },
  sftp: { label: 'SSH server (SFTP)', prefix: 'sftp://' },
  http: { label: 'HTTP(S) URL', prefix: 'https://' },
} as const;
type Location = keyof typeof LOCATIONS;

const FREQUENCIES = { daily: 'Every day', weekly: 'Every week', monthly: 'Every month', interval: 'Every few hours' } as const;
type Frequency = keyof typeof FREQUENCIES;

export function PlanForm(props: { idPrefix: string; withSchedule: boolean; submitLabel: string; busyLabel: string; onSubmit: (plan: PlanInput) => Promise<void> }) {
  const [location, setLocation] = createSignal<Location>('local');
  const [frequency, setFrequency] = createSignal<Frequency>('daily');
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const id = (name: string) => `${props.idPrefix}-${name}`;
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

  function build(form: FormData): unknown {
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const where = location();
    const backup = text('backup');
    const source = where === 'local' ? { kind: 'file', path: backup } : { kind: 'uri', uri: backup, ...(text('credential') ? { credential: text('credential') } : {}) };
    const schedule = !props.withSchedule
      ? null
      : frequency() === 'interval'
        ? { frequency: 'interval', every: `${text('every') || '6'}h`, timeZone: text('timeZone') || 'UTC' }
        : frequency() === 'weekly'
          ? { frequency: 'weekly', days: form.getAll('days').map(String), at: text('at'), timeZone: text('timeZone') || 'UTC' }
          : frequency() === 'monthly'
            ? { frequency: 'monthly', dayOfMonth: Number(text('dayOfMonth') || '1'), at: text('at'), timeZone: text('timeZone') || 'UTC' }
            : { frequency: 'daily', at: text('at'), timeZone: text('timeZone') || 'UTC' };
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
          <input id={id('credential')} name="credential" />
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
          <input id={id('decryptWith')} name="decryptWith" />
        </Field>
      </details>
      <Show when={props.withSchedule}>
        <fieldset>
          <legend>When</legend>
          <Field label="Repeat" id={id('frequency')}>
            <select id={id('frequency')} name="frequency" onChange={(e) => setFrequency(e.currentTarget.value as Frequency)}>
              <For each={Object.entries(FREQUENCIES)}>{([value, label]) => <option value={value}>{label}</option>}</For>
            </select>
          </Field>
          <Show when={frequency() === 'weekly'}>
            <fieldset class="days">
              <legend>Days</legend>
              <For each={WEEKDAYS}>
                {(day) => (
                  <label class="inline">
                    <input type="checkbox" name="days" value={day} checked={day === 'mon'} /> {day}
                  </label>
                )}
              </For>
              <Show when={error('schedule.days')}>
                <small class="error" role="alert">
                  {error('schedule.days')}
                </small>
              </Show>
            </fieldset>
          </Show>
          <Show when={frequency() === 'monthly'}>
            <Field label="Day of the month" id={id('dayOfMonth')} error={error('schedule.dayOfMonth')}>
              <input id={id('dayOfMonth')} name="dayOfMonth" type="number" min="1" max="31" value="1" />
            </Field>
          </Show>
          <Show when={frequency() === 'interval'} fallback={
            <Field label="Time" id={id('at')} error={error('schedule.at')}>
              <input id={id('at')} name="at" type="time" value="03:00" required />
            </Field>
          }>
            <Field label="Every (hours)" id={id('every')} error={error('schedule.every')}>
              <input id={id('every')} name="every" type="number" min="1" max="168" value="6" />
            </Field>
          </Show>
          <Field label="Time zone" id={id('timeZone')} error={error('schedule.timeZone')}>
            <input id={id('timeZone')} name="timeZone" value={browserZone} list={id('zones')} />
          </Field>
          <datalist id={id('zones')}>
            <For each={zones()}>{(zone) => <option value={zone} />}</For>
          </datalist>
        </fieldset>
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

function zones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  return supported ? supported('timeZone') : ['UTC'];
}
