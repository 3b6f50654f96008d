/** A verdict, plan status, channel health or audit outcome as a badge: colour for the eye, the word for everyone else. */
const TONE: Record<string, string> = {
  passed: 'good',
  passing: 'good',
  failed: 'bad',
  failing: 'bad',
  error: 'warn',
  overdue: 'bad',
  running: 'info',
  cancelled: 'muted',
  'never-run': 'muted',
  skipped: 'muted',
  ok: 'good',
  sent: 'good',
  unused: 'muted',
  denied: 'bad',
};

export function Status(props: { value: string }) {
  return <span class={`badge ${TONE[props.value] ?? 'muted'}`}>{props.value}</span>;
}
