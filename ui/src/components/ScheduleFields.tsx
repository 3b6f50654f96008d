/**
 * When a plan drills: the preset (daily, weekly, monthly, every few hours), the time and the time
 * zone (the browser's by default), as form fields, and the schedule they describe.
 */
import { For, Show } from 'solid-js';
import { WEEKDAYS } from '../../../core/schedule.js';
import { Field } from './Field.js';

export const FREQUENCIES = { daily: 'Every day', weekly: 'Every week', monthly: 'Every month', interval: 'Every few hours' } as const;
export type Frequency = keyof typeof FREQUENCIES;

export interface ScheduleDefaults {
  at?: string;
  days?: readonly string[];
  dayOfMonth?: number;
  everyHours?: number;
  timeZone?: string;
}

/** The schedule the fields describe (checked by the caller with the API's schema). */
export function scheduleFrom(form: FormData, frequency: Frequency): Record<string, unknown> {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const timeZone = text('timeZone') || 'UTC';
  switch (frequency) {
    case 'interval':
      return { frequency: 'interval', every: `${text('every') || '6'}h`, timeZone };
    case 'weekly':
      return { frequency: 'weekly', days: form.getAll('days').map(String), at: text('at'), timeZone };
    case 'monthly':
      return { frequency: 'monthly', dayOfMonth: Number(text('dayOfMonth') || '1'), at: text('at'), timeZone };
    default:
      return { frequency: 'daily', at: text('at'), timeZone };
  }
}

export function ScheduleFields(props: { idPrefix: string; frequency: Frequency; onFrequency: (frequency: Frequency) => void; error: (path: string) => string | undefined; defaults?: ScheduleDefaults }) {
  const id = (name: string) => `${props.idPrefix}-${name}`;
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const days = () => props.defaults?.days ?? ['mon'];
  return (
    <fieldset>
      <legend>When</legend>
      <Field label="Repeat" id={id('frequency')}>
        <select id={id('frequency')} name="frequency" value={props.frequency} onChange={(e) => props.onFrequency(e.currentTarget.value as Frequency)}>
          <For each={Object.entries(FREQUENCIES)}>{([value, label]) => <option value={value}>{label}</option>}</For>
        </select>
      </Field>
      <Show when={props.frequency === 'weekly'}>
        <fieldset class="days">
          <legend>Days</legend>
          <For each={WEEKDAYS}>
            {(day) => (
              <label class="inline">
                <input type="checkbox" name="days" value={day} checked={days().includes(day)} /> {day}
              </label>
            )}
          </For>
          <Show when={props.error('schedule.days')}>
            <small class="error" role="alert">
              {props.error('schedule.days')}
            </small>
          </Show>
        </fieldset>
      </Show>
      <Show when={props.frequency === 'monthly'}>
        <Field label="Day of the month" id={id('dayOfMonth')} error={props.error('schedule.dayOfMonth')}>
          <input id={id('dayOfMonth')} name="dayOfMonth" type="number" min="1" max="31" value={props.defaults?.dayOfMonth ?? 1} />
        </Field>
      </Show>
      <Show when={props.frequency === 'interval'} fallback={
        <Field label="Time" id={id('at')} error={props.error('schedule.at')}>
          <input id={id('at')} name="at" type="time" value={props.defaults?.at ?? '03:00'} required />
        </Field>
      }>
        <Field label="Every (hours)" id={id('every')} error={props.error('schedule.every')}>
          <input id={id('every')} name="every" type="number" min="1" max="168" value={props.defaults?.everyHours ?? 6} />
        </Field>
      </Show>
      <Field label="Time zone" id={id('timeZone')} error={props.error('schedule.timeZone')}>
        <input id={id('timeZone')} name="timeZone" value={props.defaults?.timeZone ?? browserZone} list={id('zones')} />
      </Field>
      <datalist id={id('zones')}>
        <For each={zones()}>{(zone) => <option value={zone} />}</For>
      </datalist>
    </fieldset>
  );
}

function zones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  return supported ? supported('timeZone') : ['UTC'];
}
