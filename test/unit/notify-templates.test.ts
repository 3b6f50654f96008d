import { describe, expect, it } from 'vitest';
import { NOTIFY_EVENTS } from '../../core/notify.js';
import type { EventFacts } from '../../activities/notify/channel.js';
import { DEFAULT_TEMPLATES, MAX_SUBJECT_CHARS, renderMessage, renderTemplate, TEMPLATE_PLACEHOLDERS, templatePlaceholders, templateProblems, type TemplateEvent } from '../../activities/notify/templates.js';

const REASON = '[restorable] the plain SQL dump is incomplete: it ends without pg_dump\'s "dump complete" trailer, so the backup job was cut short';
const SHA256 = '5bd687265c68e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819';

type Drill = NonNullable<EventFacts['drill']>;

function drill(overrides: Partial<Drill> = {}): Drill {
  return {
    id: 'drill-20261126-170301-9999b4',
    outcome: 'failed',
    trigger: 'schedule',
    failedStep: 'restore',
    reason: REASON,
    level: 'restorable',
    engine: 'postgres',
    source: 'file:///backups/app-cut.sql',
    startedAt: '2026-11-26T17:03:01.000Z',
    finishedAt: '2026-11-26T17:03:02.500Z',
    durationMs: 1500,
    backup: { uri: 'file:///backups/app-cut.sql', sizeBytes: 14_540, modifiedAt: '2026-11-26T17:00:54.457Z', sha256: SHA256 },
    tableCount: 0,
    totalRows: 0,
    failedChecks: [
      { name: 'restore', level: 'restorable', observed: 'no "dump complete" trailer', expected: 'a complete dump', message: 'the plain SQL dump is incomplete' },
      { name: 'tables', level: 'readable', observed: '0 table(s)', expected: 'at least 1', message: 'no tables were restored' },
    ],
    log: ['locate passed in 46ms', 'provision passed in 1.0s', 'restore failed after 364ms: the plain SQL dump is incomplete', 'teardown passed in 100ms'],
    ...overrides,
  };
}

function facts(kind: TemplateEvent, overrides: Partial<EventFacts> = {}): EventFacts {
  return {
    kind,
    eventId: `evt-${kind}-1`,
    occurredAt: '2026-11-26T17:03:03.120Z',
    canary: false,
    plan: { id: 'plan-nightly-app-4f2a', name: 'nightly-app' },
    drill: drill(),
    links: { drill: 'http://127.0.0.1:8080/drills/drill-20261126-170301-9999b4', temporal: 'http://127.0.0.1:8233/namespaces/default/workflows/drill-20261126-170301-9999b4' },
    ...overrides,
  };
}

const passedDrill = drill({ outcome: 'passed', failedStep: null, reason: null, level: null, failedChecks: [], tableCount: 4, totalRows: 8_040_000, durationMs: 10_300, log: ['locate passed in 470ms', 'restore passed in 8.7s'] });

describe('renderTemplate', () => {
  it('fills placeholders from the facts, tolerating spaces inside the braces', () => {
    expect(renderTemplate('{{plan.name}} / {{ drill.failedStep }} / {{links.drill}}', facts('failed'))).toBe('nightly-app / restore / http://127.0.0.1:8080/drills/drill-20261126-170301-9999b4');
  });

  it('renders numbers grouped, booleans as yes/no, and computed sizes and durations', () => {
    const f = facts('passed', { drill: passedDrill, canary: true, rpo: { targetHours: 26, verifiedBackupAt: null, verifiedAgeHours: 49.25 } });
    expect(renderTemplate('{{drill.totalRows}} | {{canary}} | {{drill.backup.size}} | {{drill.duration}} | {{rpo.verifiedAgeHours}}', f)).toBe('8,040,000 | yes | 14.2 KiB | 10.3s | 49.3');
  });

  it('renders missing values as empty and leaves out lines whose placeholders are all empty', () => {
    const adHoc = facts('failed', { plan: null, streak: undefined });
    const text = renderTemplate('Plan: {{plan.name}} ({{plan.id}})\nStreak: {{streak.count}}\nDrill: {{drill.id}} of {{plan.name}}\nplain line', adHoc);
    expect(text).toBe('Drill: drill-20261126-170301-9999b4 of\nplain line');
  });

  it('renders an unknown placeholder as empty rather than as its braces', () => {
    expect(renderTemplate('a {{nope.nothing}} b {{plan.name}}', facts('failed'))).toBe('a  b nightly-app');
  });

  it('continues a multi-line value at the column it started in', () => {
    expect(renderTemplate('Log   {{log}}', facts('failed', { drill: drill({ log: ['one', 'two', 'three'] }) }))).toBe('Log   one\n      two\n      three');
  });

  it('lists failed checks one per line with level, name, observed, expected and message', () => {
    expect(renderTemplate('{{failedChecks}}', facts('failed')).split('\n')).toEqual([
      '[restorable] restore — observed: no "dump complete" trailer; expected: a complete dump — the plain SQL dump is incomplete',
      '[readable] tables — observed: 0 table(s); expected: at least 1 — no tables were restored',
    ]);
  });

  it('collapses the blank lines that removed sections leave behind', () => {
    expect(renderTemplate('top\n\n{{streak.count}}\n\n\nbottom\n\n', facts('failed'))).toBe('top\n\nbottom');
  });

  it('inserts values as plain text, without escaping or interpreting them', () => {
    const f = facts('failed', { plan: { id: 'p', name: '<b>app</b> & co' } });
    expect(renderTemplate('{{plan.name}}', f)).toBe('<b>app</b> & co');
  });

  it('renders a table for the digest', () => {
    const digest = {
      from: '2026-11-19T00:00:00Z',
      to: '2026-11-26T00:00:00Z',
      plans: [
        { id: 'a', name: 'nightly-app', drills: 7, passed: 4, failed: 3, errors: 0, lastOutcome: 'failed', verifiedAgeHours: 64 },
        { id: 'b', name: 'billing', drills: 12, passed: 12, failed: 0, errors: 0, lastOutcome: 'passed', verifiedAgeHours: 3.5 },
        { id: 'c', name: 'new-plan', drills: 0, passed: 0, failed: 0, errors: 0, lastOutcome: null, verifiedAgeHours: null },
      ],
    };
    expect(renderTemplate('{{digestTable}}', facts('digest', { drill: null, digest })).split('\n')).toEqual([
      'plan         drills  passed  failed  errors  last    verified age',
      'nightly-app       7       4       3       0  failed  64h',
      'billing          12      12       0       0  passed  3.5h',
      'new-plan          0       0       0       0  —       never',
    ]);
    expect(renderTemplate('{{digestSummary}}', facts('digest', { drill: null, digest }))).toBe('19 drills across 3 plans: 16 passed, 3 failed, 0 errors');
  });
});

describe('renderMessage', () => {
  it('uses the channel template when given, the default otherwise', () => {
    const custom = renderMessage(facts('failed'), { subject: 'DB {{plan.name}} broke', body: 'see {{links.drill}}' });
    expect(custom).toEqual({ subject: 'DB nightly-app broke', text: 'see http://127.0.0.1:8080/drills/drill-20261126-170301-9999b4' });
    const bodyOnly = renderMessage(facts('failed'), { body: 'short' });
    expect(bodyOnly.subject).toMatch(/^\[Restore Drill\] FAILED: nightly-app/);
    expect(bodyOnly.text).toBe('short');
  });

  it('keeps subjects on one line and within 200 characters, ending in an ellipsis when cut', () => {
    const long = renderMessage(facts('failed', { drill: drill({ reason: `[restorable] ${'x'.repeat(400)}\nsecond line` }) }));
    expect(long.subject).not.toContain('\n');
    expect(Array.from(long.subject)).toHaveLength(MAX_SUBJECT_CHARS);
    expect(long.subject.endsWith('…')).toBe(true);
    expect(renderMessage(facts('failed'), { subject: 'a\n  b\tc' }).subject).toBe('a b c');
  });

  it('marks canary events in the subject, even with a custom template, once', () => {
    expect(renderMessage(facts('failed', { canary: true })).subject).toMatch(/^\[canary\] \[Restore Drill\] FAILED: nightly-app/);
    expect(renderMessage(facts('failed', { canary: true }), { subject: 'db broke' }).subject).toBe('[canary] db broke');
    expect(renderMessage(facts('failed', { canary: true }), { subject: '[canary] db broke' }).subject).toBe('[canary] db broke');
    expect(renderMessage(facts('failed', { canary: true })).text).toMatch(/^This is a canary: Restore Drill damaged its own copy of the backup on purpose/);
    expect(renderMessage(facts('failed')).text).not.toContain('canary');
  });
});

describe('default templates', () => {
  it('exist for every event and for test messages, and use only known placeholders', () => {
    expect(Object.keys(DEFAULT_TEMPLATES).sort()).toEqual([...NOTIFY_EVENTS, 'test'].sort());
    for (const [kind, template] of Object.entries(DEFAULT_TEMPLATES)) {
      expect(templateProblems(template.subject), `${kind} subject`).toEqual([]);
      expect(templateProblems(template.body), `${kind} body`).toEqual([]);
    }
  });

  it('failed: subject names the plan and the reason; body has backup identity, step, level, checks, log and links', () => {
    const f = facts('failed', { streak: { count: 3, since: '2026-11-24T02:00:00.000Z' } });
    const { subject, text } = renderMessage(f);
    expect(subject).toBe(`[Restore Drill] FAILED: nightly-app — ${REASON}`);
    for (const expected of [
      'would not give its data back',
      'Plan       nightly-app (plan-nightly-app-4f2a)',
      'Backup     file:///backups/app-cut.sql',
      'Size       14.2 KiB',
      'Modified   2026-11-26T17:00:54.457Z',
      `SHA-256    ${SHA256}`,
      'Step       restore',
      'Level      restorable',
      `Reason     ${REASON}`,
      'Streak     3 drills in a row have not passed, since 2026-11-24T02:00:00.000Z',
      'Checks     [restorable] restore — observed: no "dump complete" trailer; expected: a complete dump — the plain SQL dump is incomplete',
      '           [readable] tables — observed: 0 table(s); expected: at least 1 — no tables were restored',
      'Log        locate passed in 46ms',
      '           restore failed after 364ms: the plain SQL dump is incomplete',
      'Details    http://127.0.0.1:8080/drills/drill-20261126-170301-9999b4',
      'Temporal   http://127.0.0.1:8233/namespaces/default/workflows/drill-20261126-170301-9999b4',
      'Event      evt-failed-1 at 2026-11-26T17:03:03.120Z',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('failed without a plan or a backup (an ad-hoc drill that found nothing) reads without empty labels', () => {
    const { subject, text } = renderMessage(facts('failed', { plan: null, drill: drill({ backup: null, failedStep: 'locate', reason: '[exists] no file matches app-*.dump in /backups', failedChecks: [] }) }));
    expect(subject).toBe('[Restore Drill] FAILED: file:///backups/app-cut.sql — [exists] no file matches app-*.dump in /backups');
    expect(text).not.toMatch(/^(Plan|Backup|Size|Modified|SHA-256|Checks)\b/m);
    expect(text).not.toContain('()');
    expect(text).toContain('Step       locate');
  });

  it('error: says the drill could not decide, that it is no verdict, and what to change', () => {
    const reason = '[restorable] pg_restore 16 is not installed on the worker: install postgresql-client-16 or pin the plan to engine version 15';
    const { subject, text } = renderMessage(facts('error', { drill: drill({ outcome: 'error', reason, failedChecks: [] }) }));
    expect(subject).toBe(`[Restore Drill] ERROR: nightly-app — could not decide: ${reason}`);
    expect(text).toContain('could not decide whether the backup restores');
    expect(text).toContain('This is not a verdict on the backup');
    expect(text).toContain('What to change:');
    expect(text).toContain(`Reason     ${reason}`);
    expect(text).toContain('Details    http://127.0.0.1:8080/drills/');
  });

  it('recovered: says it passes again and how long it had not', () => {
    const { subject, text } = renderMessage(facts('recovered', { drill: passedDrill, streak: { count: 4, since: '2026-11-22T02:00:00.000Z' } }));
    expect(subject).toBe('[Restore Drill] RECOVERED: nightly-app passes again');
    expect(text).toContain('Before     4 drills in a row had not passed, since 2026-11-22T02:00:00.000Z');
    expect(text).toContain('Restored   4 table(s), 8,040,000 row(s)');
  });

  it('overdue: names the interval, the last finished drill, the pause note and what to check', () => {
    const overdue = { lastFinishedAt: '2026-11-20T02:00:00.000Z', expectedEvery: '1d', overdueSince: '2026-11-22T02:00:00.000Z', schedule: 'daily at 02:00 UTC', paused: true, pauseNote: 'storage migration' };
    const { subject, text } = renderMessage(facts('overdue', { drill: null, links: { drill: null, temporal: null }, overdue }));
    expect(subject).toBe('[Restore Drill] OVERDUE: nightly-app — no drill has finished since 2026-11-20T02:00:00.000Z; expected every 1d (the schedule is paused)');
    for (const expected of ['Schedule   daily at 02:00 UTC', 'Expected   every 1d', 'Last       2026-11-20T02:00:00.000Z', 'Overdue    since 2026-11-22T02:00:00.000Z', 'Paused     yes: storage migration', 'is a worker running']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toMatch(/^(Details|Temporal)\b/m);
    const never = renderMessage(facts('overdue', { drill: null, overdue: { ...overdue, lastFinishedAt: null, paused: false, pauseNote: null } }));
    expect(never.subject).toBe('[Restore Drill] OVERDUE: nightly-app — no drill has ever finished; expected every 1d');
    expect(never.text).not.toMatch(/^(Last|Paused)\b/m);
  });

  it('rpo-breached: names the target and the age of the newest verified backup', () => {
    const { subject, text } = renderMessage(facts('rpo-breached', { rpo: { targetHours: 26, verifiedBackupAt: '2026-11-24T01:00:00.000Z', verifiedAgeHours: 64 } }));
    expect(subject).toBe('[Restore Drill] RPO BREACHED: nightly-app — the newest backup proven restorable is 64h old, target 26h');
    expect(text).toContain('would lose more than 26 hours of data');
    expect(text).toContain('Verified   2026-11-24T01:00:00.000Z (64h old)');
    const none = renderMessage(facts('rpo-breached', { drill: null, rpo: { targetHours: 26, verifiedBackupAt: null, verifiedAgeHours: null } }));
    expect(none.subject).toBe('[Restore Drill] RPO BREACHED: nightly-app — no backup has been proven restorable, target 26h');
    expect(none.text).not.toMatch(/^Verified\b/m);
  });

  it('passed and started: name the plan, the drill and what was restored', () => {
    const passed = renderMessage(facts('passed', { drill: passedDrill }));
    expect(passed.subject).toBe('[Restore Drill] PASSED: nightly-app — 4 table(s), 8,040,000 row(s) restored in 10.3s');
    expect(passed.text).toContain('every check held');
    const started = renderMessage(facts('started', { drill: drill({ outcome: 'running', finishedAt: null, durationMs: null, failedStep: null, reason: null }) }));
    expect(started.subject).toBe('[Restore Drill] STARTED: nightly-app');
    expect(started.text).toContain('Drill      drill-20261126-170301-9999b4 (schedule), started 2026-11-26T17:03:01.000Z');
    expect(started.text).toContain('Source     file:///backups/app-cut.sql');
  });

  it('digest and test: summarise the week; say the channel works', () => {
    const digest = { from: '2026-11-19T00:00:00Z', to: '2026-11-26T00:00:00Z', plans: [{ id: 'a', name: 'nightly-app', drills: 7, passed: 6, failed: 1, errors: 0, lastOutcome: 'passed', verifiedAgeHours: 20 }] };
    const weekly = renderMessage(facts('digest', { drill: null, plan: null, links: { drill: null, temporal: null }, digest }));
    expect(weekly.subject).toBe('[Restore Drill] Weekly digest: 7 drills across 1 plan: 6 passed, 1 failed, 0 errors');
    expect(weekly.text).toContain('Drills from 2026-11-19T00:00:00Z to 2026-11-26T00:00:00Z.');
    expect(weekly.text).toContain('nightly-app       7       6       1       0  passed  20h');
    const test = renderMessage(facts('test', { drill: null, plan: null, links: { drill: null, temporal: null } }));
    expect(test.subject).toBe('[Restore Drill] Test message');
    expect(test.text).toContain('this channel delivers');
  });

  it('are plain text for every event', () => {
    for (const kind of Object.keys(DEFAULT_TEMPLATES) as TemplateEvent[]) {
      const { subject, text } = renderMessage(facts(kind));
      expect(subject).not.toMatch(/<\/?[a-z][^>]*>/i);
      expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
      expect(text).not.toContain('{{');
    }
  });
});

describe('templateProblems', () => {
  it('accepts a template with known placeholders', () => {
    expect(templateProblems('{{plan.name}}: {{ drill.reason }} {{failedChecks}} {{log}} {{digestTable}}')).toEqual([]);
  });

  it('names unknown placeholders and suggests the closest known one', () => {
    expect(templateProblems('{{plan.nmae}} and {{whatever}}')).toEqual([
      'unknown placeholder {{plan.nmae}}: did you mean {{plan.name}}? (placeholders are listed in docs/notifications.md)',
      'unknown placeholder {{whatever}} (placeholders are listed in docs/notifications.md)',
    ]);
  });

  it('refuses placeholders for whole objects, which would render as nothing', () => {
    expect(templateProblems('{{drill}} {{drill.backup}}')).toHaveLength(2);
  });

  it('notices an unclosed or empty placeholder', () => {
    expect(templateProblems('Plan {{plan.name')).toEqual(['"{{" without a closing "}}" near "{{plan.name"']);
    expect(templateProblems('x {{ }} y')).toEqual(['empty placeholder {{}} at character 3']);
  });

  it('lists the placeholders a template uses', () => {
    expect(templatePlaceholders('{{plan.name}} {{ log }} {{plan.name}}')).toEqual(['plan.name', 'log']);
  });

  it('knows every documented placeholder', () => {
    const names = TEMPLATE_PLACEHOLDERS.map((p) => p.name);
    for (const name of ['plan.name', 'drill.reason', 'drill.failedStep', 'links.drill', 'links.temporal', 'streak.count', 'overdue.expectedEvery', 'rpo.verifiedAgeHours', 'failedChecks', 'log', 'digestTable']) {
      expect(names).toContain(name);
    }
    expect(new Set(names).size).toBe(names.length);
  });
});
