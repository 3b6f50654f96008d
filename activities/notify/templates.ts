/**
 * Turns an event's facts into the subject and plain-text body people read. Templates use
 * `{{path.to.value}}` placeholders over EventFacts plus a few computed blocks; a missing value
 * renders as "", and a line whose placeholders all rendered empty is left out, so one template
 * reads well for an ad-hoc drill (no plan), a drill without a backup, or an event without a drill.
 * Multi-line values (the step log, the failed checks) continue at the column they started in,
 * which keeps "Label  value" layouts aligned.
 */
import { formatBytes, formatDuration } from '../../core/duration.js';
import type { EventFacts } from './channel.js';

export type TemplateEvent = EventFacts['kind'];

export interface MessageTemplate {
  subject?: string;
  body?: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
}

export const MAX_SUBJECT_CHARS = 200;

type Scalar = string | number | boolean | null | undefined;

interface Placeholder {
  name: string;
  description: string;
  value: (facts: EventFacts) => Scalar;
}

/** Fields of EventFacts usable as placeholders as they are, with what they hold. */
const FACT_FIELDS: Array<[string, string]> = [
  ['kind', 'the event: failed, error, recovered, overdue, rpo-breached, passed, started, digest or test'],
  ['eventId', 'the event id (the same on every retry of a delivery)'],
  ['occurredAt', 'when the event happened (ISO 8601)'],
  ['canary', '"yes" for a canary drill (a deliberately damaged copy), else "no"'],
  ['plan.id', "the plan's id"],
  ['plan.name', "the plan's name (empty for an ad-hoc drill)"],
  ['drill.id', "the drill's id (its Temporal workflow id)"],
  ['drill.outcome', 'passed, failed, error, cancelled or running'],
  ['drill.trigger', 'manual, schedule, api or canary'],
  ['drill.failedStep', 'the step the drill stopped at (locate, provision, restore, inspect, verify, …)'],
  ['drill.reason', 'why it did not pass, level first: "[restorable] the plain SQL dump is incomplete…"'],
  ['drill.level', 'the verification level that failed: exists, integrity, restorable, readable, plausible, custom or native'],
  ['drill.engine', 'postgres, mysql or mongodb'],
  ['drill.source', 'where the backup was looked for'],
  ['drill.startedAt', 'when the drill started (ISO 8601)'],
  ['drill.finishedAt', 'when the drill finished (ISO 8601)'],
  ['drill.durationMs', 'how long the drill took, in milliseconds'],
  ['drill.backup.uri', 'the backup object drilled'],
  ['drill.backup.sizeBytes', 'its size in bytes'],
  ['drill.backup.modifiedAt', 'its modification time (ISO 8601)'],
  ['drill.backup.sha256', 'its sha256 (hex), when known'],
  ['drill.tableCount', 'tables or collections restored'],
  ['drill.totalRows', 'rows or documents restored'],
  ['links.drill', 'the drill in Restore Drill'],
  ['links.temporal', "the drill's workflow in the Temporal Web UI"],
  ['streak.count', 'consecutive drills that did not pass, including this one'],
  ['streak.since', 'when that streak began (ISO 8601)'],
  ['overdue.lastFinishedAt', 'when a drill of the plan last finished (empty if never)'],
  ['overdue.expectedEvery', "the plan's interval, e.g. 1d"],
  ['overdue.overdueSince', 'when the plan became overdue (ISO 8601)'],
  ['overdue.schedule', "the plan's schedule, described"],
  ['overdue.paused', '"yes" when the schedule is paused'],
  ['overdue.pauseNote', 'the note given when it was paused'],
  ['rpo.targetHours', "the plan's recovery point objective, in hours"],
  ['rpo.verifiedBackupAt', 'the modification time of the newest backup a drill proved restorable'],
  ['rpo.verifiedAgeHours', 'its age in hours'],
  ['digest.from', 'start of the digest period (ISO 8601)'],
  ['digest.to', 'end of the digest period (ISO 8601)'],
];

const COMPUTED: Placeholder[] = [
  { name: 'planLabel', description: "the plan's name, or for an ad-hoc drill its source", value: planLabel },
  { name: 'drill.duration', description: 'the drill\'s duration, readable ("4m12s")', value: (f) => (f.drill?.durationMs != null ? formatDuration(f.drill.durationMs) : '') },
  { name: 'drill.backup.size', description: 'the backup\'s size, readable ("85.6 MiB")', value: (f) => (f.drill?.backup ? formatBytes(f.drill.backup.sizeBytes) : '') },
  { name: 'backupSummary', description: 'the backup on one line: uri (size, modified, sha256 prefix)', value: backupSummary },
  { name: 'failedChecks', description: 'one line per failed check: "[level] name — observed: …; expected: … — message"', value: failedChecks },
  { name: 'log', description: "the drill's step log, one line per step", value: (f) => f.drill?.log.join('\n') },
  { name: 'streakSummary', description: 'the failing streak in words ("3 drills in a row have not passed, since …")', value: streakSummary },
  { name: 'overdueSummary', description: 'why the plan is overdue, in words', value: overdueSummary },
  { name: 'pauseSummary', description: 'empty unless the schedule is paused, then the note given when pausing it', value: pauseSummary },
  { name: 'rpoSummary', description: 'the RPO breach in words ("the newest backup proven restorable is 50h old, target 26h")', value: rpoSummary },
  { name: 'digestSummary', description: 'the digest in one line ("14 drills across 2 plans: 12 passed, 1 failed, 1 error")', value: digestSummary },
  { name: 'digestTable', description: 'one row per plan: drills, passed, failed, errors, last outcome, verified age', value: digestTable },
  { name: 'canaryNote', description: 'for a canary drill, a sentence saying the damage was deliberate; else empty', value: canaryNote },
];

const PLACEHOLDERS: Placeholder[] = [...FACT_FIELDS.map(([name, description]) => ({ name, description, value: (facts: EventFacts) => pathValue(facts, name) })), ...COMPUTED];
const BY_NAME = new Map(PLACEHOLDERS.map((p) => [p.name, p]));

/** Every placeholder a template may use, for documentation and editors. */
export const TEMPLATE_PLACEHOLDERS: ReadonlyArray<{ name: string; description: string }> = PLACEHOLDERS.map(({ name, description }) => ({ name, description }));

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** The placeholder names a template uses, in order of first use. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1]!.trim()))];
}

/** What is wrong with a template (unknown placeholders, unclosed braces); empty when it is fine. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1]!.trim();
    if (!name) problems.push(`empty placeholder {{}} at character ${match.index! + 1}`);
    else if (!BY_NAME.has(name)) {
      const suggestion = closestName(name);
      problems.push(`unknown placeholder {{${name}}}${suggestion ? `: did you mean {{${suggestion}}}?` : ''} (placeholders are listed in docs/notifications.md)`);
    }
  }
  const leftover = template.replace(PLACEHOLDER, '');
  const open = leftover.indexOf('{{');
  if (open >= 0) problems.push(`"{{" without a closing "}}" near "${leftover.slice(open, open + 30).split('\n')[0]}"`);
  return problems;
}

/** Renders the channel's template for the event, or the default one; the subject is one bounded line. */
export function renderMessage(facts: EventFacts, templates: MessageTemplate = {}): RenderedMessage {
  const defaults = DEFAULT_TEMPLATES[facts.kind];
  let subject = oneLine(renderTemplate(templates.subject ?? defaults.subject, facts));
  // A canary must never be mistaken for a real failure, whatever the channel's template says.
  if (facts.canary && !subject.startsWith('[canary]')) subject = `[canary] ${subject}`;
  return { subject: truncate(subject, MAX_SUBJECT_CHARS), text: renderTemplate(templates.body ?? defaults.body, facts) };
}

export function renderTemplate(template: string, facts: EventFacts): string {
  const lines: string[] = [];
  for (const line of template.split(/\r?\n/)) {
    let rendered = '';
    let consumed = 0;
    let placeholders = 0;
    let filled = 0;
    for (const match of line.matchAll(PLACEHOLDER)) {
      rendered += line.slice(consumed, match.index);
      consumed = match.index! + match[0].length;
      placeholders += 1;
      const value = display(BY_NAME.get(match[1]!.trim())?.value(facts));
      if (value) filled += 1;
      const column = rendered.length - (rendered.lastIndexOf('\n') + 1);
      rendered += value.split('\n').join(`\n${' '.repeat(column)}`);
    }
    rendered += line.slice(consumed);
    if (placeholders > 0 && filled === 0) continue;
    lines.push(...rendered.split('\n').map((l) => l.trimEnd()));
  }
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

function display(value: Scalar): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return value;
}

function pathValue(facts: EventFacts, path: string): Scalar {
  let value: unknown = facts;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'object' ? undefined : (value as Scalar);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

function planLabel(facts: EventFacts): string {
  return facts.plan?.name ?? facts.drill?.source ?? '';
}

function backupSummary(facts: EventFacts): string {
  const backup = facts.drill?.backup;
  if (!backup) return '';
  const details = [formatBytes(backup.sizeBytes), `modified ${backup.modifiedAt}`, ...(backup.sha256 ? [`sha256 ${backup.sha256.slice(0, 12)}…`] : [])];
  return `${backup.uri} (${details.join(', ')})`;
}

function failedChecks(facts: EventFacts): string {
  return (facts.drill?.failedChecks ?? [])
    .map((check) => {
      const values = [check.observed ? `observed: ${check.observed}` : '', check.expected ? `expected: ${check.expected}` : ''].filter(Boolean).join('; ');
      return `[${check.level}] ${check.name} — ${values ? `${values} — ` : ''}${check.message}`;
    })
    .join('\n');
}

function streakSummary(facts: EventFacts): string {
  const streak = facts.streak;
  if (!streak) return '';
  if (facts.kind === 'recovered') return `${plural(streak.count, 'drill')} in a row had not passed, since ${streak.since}`;
  return streak.count <= 1 ? 'the first drill in a row not to pass' : `${streak.count} drills in a row have not passed, since ${streak.since}`;
}

function overdueSummary(facts: EventFacts): string {
  const overdue = facts.overdue;
  if (!overdue) return '';
  const last = overdue.lastFinishedAt ? `no drill has finished since ${overdue.lastFinishedAt}` : 'no drill has ever finished';
  return `${last}; expected every ${overdue.expectedEvery}${overdue.paused ? ' (the schedule is paused)' : ''}`;
}

function pauseSummary(facts: EventFacts): string {
  const overdue = facts.overdue;
  if (!overdue?.paused) return '';
  return overdue.pauseNote ? `yes: ${overdue.pauseNote}` : 'yes (no note given)';
}

function rpoSummary(facts: EventFacts): string {
  const rpo = facts.rpo;
  if (!rpo) return '';
  return rpo.verifiedAgeHours !== null
    ? `the newest backup proven restorable is ${display(rpo.verifiedAgeHours)}h old, target ${display(rpo.targetHours)}h`
    : `no backup has been proven restorable, target ${display(rpo.targetHours)}h`;
}

function digestSummary(facts: EventFacts): string {
  const plans = facts.digest?.plans;
  if (!plans) return '';
  const sum = (pick: (p: NonNullable<EventFacts['digest']>['plans'][number]) => number) => plans.reduce((total, p) => total + pick(p), 0);
  return `${plural(sum((p) => p.drills), 'drill')} across ${plural(plans.length, 'plan')}: ${sum((p) => p.passed)} passed, ${sum((p) => p.failed)} failed, ${plural(sum((p) => p.errors), 'error')}`;
}

function digestTable(facts: EventFacts): string {
  const plans = facts.digest?.plans;
  if (!plans) return '';
  if (plans.length === 0) return 'no plans';
  const header = ['plan', 'drills', 'passed', 'failed', 'errors', 'last', 'verified age'];
  const rows = plans.map((p) => [p.name, String(p.drills), String(p.passed), String(p.failed), String(p.errors), p.lastOutcome ?? '—', p.verifiedAgeHours === null ? 'never' : `${display(p.verifiedAgeHours)}h`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = new Set([1, 2, 3, 4]);
  return [header, ...rows].map((row) => row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function canaryNote(facts: EventFacts): string {
  if (!facts.canary) return '';
  if (facts.kind === 'failed') {
    return 'This is a canary: Restore Drill damaged its own copy of the backup on purpose, to prove that damage is caught and that this alert reaches you. The backup itself was only read; nothing needs fixing.';
  }
  // The canary's damage went unnoticed, or it could not be damaged: the alert path works, the checks may not.
  return 'This is a canary: Restore Drill cut its own copy of the backup in half on purpose, and the drill did NOT report it as broken. A backup cut short this way would go unnoticed: review this plan\'s checks (see the reason below). The backup itself was only read.';
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

function closestName(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of BY_NAME.keys()) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 4)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

const DRILL_FACTS = `Plan       {{plan.name}} ({{plan.id}})
Backup     {{drill.backup.uri}}
Size       {{drill.backup.size}}
Modified   {{drill.backup.modifiedAt}}
SHA-256    {{drill.backup.sha256}}
Engine     {{drill.engine}}
Drill      {{drill.id}} ({{drill.trigger}}), started {{drill.startedAt}}, took {{drill.duration}}`;

const LINKS = `Details    {{links.drill}}
Temporal   {{links.temporal}}
Event      {{eventId}} at {{occurredAt}}`;

/**
 * The messages a channel sends unless it overrides them. Written for someone woken at 3am: the
 * subject says what broke and why; the body says which backup, what was observed against what was
 * expected, what each step did, and where to look next.
 */
export const DEFAULT_TEMPLATES: Record<TemplateEvent, Required<MessageTemplate>> = {
  failed: {
    subject: '[Restore Drill] FAILED: {{planLabel}} — {{drill.reason}}',
    body: `{{canaryNote}}

The backup of {{planLabel}} would not give its data back. Until a drill passes, do not count on it for a restore.
Look at the job that made it (its log around {{drill.backup.modifiedAt}}) and at the backups before it.

Step       {{drill.failedStep}}
Level      {{drill.level}}
Reason     {{drill.reason}}
${DRILL_FACTS}
Streak     {{streakSummary}}

Checks     {{failedChecks}}

Log        {{log}}

${LINKS}`,
  },
  error: {
    subject: '[Restore Drill] ERROR: {{planLabel}} — could not decide: {{drill.reason}}',
    body: `{{canaryNote}}

The drill of {{planLabel}} could not decide whether the backup restores. This is not a verdict on the backup: something the drill needs was missing or failing, and until a drill passes the backup is unproven.
What to change: the reason below names it (a missing tool, a sandbox limit, an unreachable source or service). Fix that, then run the drill again.

Step       {{drill.failedStep}}
Reason     {{drill.reason}}
${DRILL_FACTS}
Streak     {{streakSummary}}

Checks     {{failedChecks}}

Log        {{log}}

${LINKS}`,
  },
  recovered: {
    subject: '[Restore Drill] RECOVERED: {{planLabel}} passes again',
    body: `The backup of {{planLabel}} restores again: this drill passed after drills that did not.

Before     {{streakSummary}}
${DRILL_FACTS}
Restored   {{drill.tableCount}} table(s), {{drill.totalRows}} row(s)

Log        {{log}}

${LINKS}`,
  },
  overdue: {
    subject: '[Restore Drill] OVERDUE: {{planLabel}} — {{overdueSummary}}',
    body: `No drill of {{planLabel}} has finished within twice its interval, so nothing currently proves that its backup restores.

Schedule   {{overdue.schedule}}
Expected   every {{overdue.expectedEvery}}
Last       {{overdue.lastFinishedAt}}
Overdue    since {{overdue.overdueSince}}
Paused     {{pauseSummary}}

What to check: is a worker running and connected to Temporal? Are drills of this plan stuck or failing to start (see the Temporal UI)? If the schedule was paused on purpose, resume it, or remove the plan's schedule to stop these alerts.

${LINKS}`,
  },
  'rpo-breached': {
    subject: '[Restore Drill] RPO BREACHED: {{planLabel}} — {{rpoSummary}}',
    body: `The newest backup of {{planLabel}} that a drill proved restorable is older than the plan's recovery point objective: restoring now would lose more than {{rpo.targetHours}} hours of data.

Target     {{rpo.targetHours}}h
Verified   {{rpo.verifiedBackupAt}} ({{rpo.verifiedAgeHours}}h old)
Latest     {{drill.id}}: {{drill.outcome}} {{drill.reason}}
Backup     {{backupSummary}}

What to check: are new backups still being made and found (the plan's source and pattern)? Did recent drills fail or error (see the links)?

${LINKS}`,
  },
  passed: {
    subject: '[Restore Drill] PASSED: {{planLabel}} — {{drill.tableCount}} table(s), {{drill.totalRows}} row(s) restored in {{drill.duration}}',
    body: `The backup of {{planLabel}} restored and every check held.

${DRILL_FACTS}
Restored   {{drill.tableCount}} table(s), {{drill.totalRows}} row(s)

Log        {{log}}

${LINKS}`,
  },
  started: {
    subject: '[Restore Drill] STARTED: {{planLabel}}',
    body: `A drill of {{planLabel}} started.

Plan       {{plan.name}} ({{plan.id}})
Drill      {{drill.id}} ({{drill.trigger}}), started {{drill.startedAt}}
Engine     {{drill.engine}}
Source     {{drill.source}}

${LINKS}`,
  },
  digest: {
    subject: '[Restore Drill] Weekly digest: {{digestSummary}}',
    body: `Drills from {{digest.from}} to {{digest.to}}.

{{digestTable}}

"verified age" is the age of the newest backup a drill proved restorable.

Event      {{eventId}} at {{occurredAt}}`,
  },
  test: {
    subject: '[Restore Drill] Test message',
    body: `This is a test message from Restore Drill. If you can read it, this channel delivers: alerts about failed drills will reach you here.

Event      {{eventId}} at {{occurredAt}}`,
  },
};
