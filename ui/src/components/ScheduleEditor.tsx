/** Editing a saved plan's schedule in place: the same fields as the home form, checked with the API's schema. */
import { createSignal, Show } from 'solid-js';
import { scheduleSchema } from '../../../core/schedule.js';
import { api, bodyOf, byId, ApiFailure, type PlanView } from '../api.js';
import { fieldErrors } from './Field.js';
import { ScheduleFields, scheduleFrom, type Frequency, type ScheduleDefaults } from './ScheduleFields.js';

export function ScheduleEditor(props: { plan: PlanView; onSaved: () => void; onCancel: () => void }) {
  const current = () => props.plan.plan.schedule;
  const [frequency, setFrequency] = createSignal<Frequency>(current()?.frequency === 'cron' || !current() ? 'daily' : (current()!.frequency as Frequency));
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const defaults = (): ScheduleDefaults => {
    const schedule = current() as Record<string, unknown> | null;
    const every = typeof schedule?.every === 'string' ? Number(/^(\d+)h$/.exec(schedule.every)?.[1]) : NaN;
    return {
      at: typeof schedule?.at === 'string' ? schedule.at : undefined,
      days: Array.isArray(schedule?.days) ? (schedule.days as string[]) : undefined,
      dayOfMonth: typeof schedule?.dayOfMonth === 'number' ? schedule.dayOfMonth : undefined,
      everyHours: Number.isFinite(every) ? every : undefined,
      timeZone: typeof schedule?.timeZone === 'string' ? schedule.timeZone : undefined,
    };
  };

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const candidate = scheduleFrom(new FormData(event.currentTarget as HTMLFormElement), frequency());
    const parsed = scheduleSchema.safeParse(candidate);
    if (!parsed.success) {
      setErrors(Object.fromEntries(Object.entries(fieldErrors(parsed.error.issues)).map(([path, message]) => [`schedule.${path}`, message])));
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      await bodyOf(api.plans[':id'].$patch({ param: byId(props.plan.id), json: { schedule: candidate } as never }));
      props.onSaved();
    } catch (err) {
      const field = err instanceof ApiFailure ? err.field : undefined;
      setErrors(field ? { [field.field]: field.text } : { form: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} novalidate aria-label="Edit the schedule">
      <Show when={current()?.frequency === 'cron'}>
        <p class="muted">This plan runs on a cron expression ({String((current() as { cron?: string }).cron)}); saving here replaces it with a preset.</p>
      </Show>
      <ScheduleFields idPrefix="edit" frequency={frequency()} onFrequency={setFrequency} error={(path) => errors()[path]} defaults={defaults()} />
      <Show when={errors().form}>
        <p class="error" role="alert">
          {errors().form}
        </p>
      </Show>
      <p class="actions">
        <button type="submit" disabled={busy()}>
          {busy() ? 'Saving…' : 'Save schedule'}
        </button>
        <button type="button" class="secondary" onClick={() => props.onCancel()}>
          Cancel
        </button>
      </p>
    </form>
  );
}
