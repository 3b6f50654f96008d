/**
 * What a drill's start and verdict raise. Failed and error alerts go out once per failing streak
 * (unless the plan asks for every drill), keyed by the streak's first drill, so a backup broken for
 * a week pages once; the first pass after it raises `recovered`. Ping channels hear every start and
 * every verdict, because a healthchecks-style check pairs each start with its end. A canary raises
 * its own alert, outside any streak.
 */
import type { DrillResult, PlanSnapshot } from '../../core/drill.js';
import type { ChannelKind, NotifyEvent } from '../../core/notify.js';
import type { HistoryDb } from '../../db/client.js';
import { planStatuses, previousVerdictOf } from '../../db/queries/plan-status.js';
import type { AlertDispatch } from '../../workflows/definitions.js';
import type { PublicLinks } from '../deps.js';
import type { EventFacts } from '../notify/channel.js';
import { baseFacts, drillFacts, drillLinks } from './facts.js';
import { raiseEvent, routedChannels, type RoutedChannel } from './raise.js';
import { rpoBreachFacts } from './rpo.js';

interface Context {
  db: HistoryDb;
  links: PublicLinks | undefined;
  now: Date;
}

export async function startAlerts(ctx: Context, drillId: string, snapshot: PlanSnapshot): Promise<AlertDispatch[]> {
  const channels = await routedChannels(ctx.db, snapshot.plan.notify, 'started');
  const facts: EventFacts = { ...baseFacts('started', `${drillId}:started`, snapshot, ctx.now), links: drillLinks(ctx.links, drillId), canary: snapshot.trigger === 'canary' };
  facts.drill = {
    id: drillId,
    outcome: 'running',
    trigger: snapshot.trigger,
    failedStep: null,
    reason: null,
    level: null,
    engine: snapshot.plan.engine,
    source: '',
    startedAt: ctx.now.toISOString(),
    finishedAt: null,
    durationMs: null,
    backup: null,
    tableCount: 0,
    totalRows: 0,
    failedChecks: [],
    log: [],
  };
  const dispatch = await raiseEvent(ctx.db, { facts, planId: snapshot.planId, drillId }, channels);
  return dispatch ? [dispatch] : [];
}

export async function verdictAlerts(ctx: Context, snapshot: PlanSnapshot, result: DrillResult): Promise<AlertDispatch[]> {
  if (result.outcome === 'cancelled') return [];
  const raised: Array<AlertDispatch | null> = [];
  const routes = snapshot.plan.notify;
  const drill = drillFacts(snapshot, result);
  const links = drillLinks(ctx.links, result.drillId);
  const facts = (kind: NotifyEvent, eventId: string, extra: Partial<EventFacts> = {}): EventFacts => ({ ...baseFacts(kind, eventId, snapshot, ctx.now), drill, links, ...extra });
  const raise = (f: EventFacts, channels: RoutedChannel[]) => raiseEvent(ctx.db, { facts: f, planId: snapshot.planId, drillId: result.drillId }, channels);

  if (result.trigger === 'canary') {
    // Caught: the failure alert the plan's channels must carry. Missed: an error, loudly. Ping
    // channels stay out of it: a canary must not flip a real health check to down.
    const caught = result.outcome === 'failed' && ['restore', 'inspect', 'verify'].includes(result.failedStep ?? '');
    const kind: NotifyEvent = caught ? 'failed' : 'error';
    const reason = caught
      ? result.reason
      : result.outcome === 'passed'
        ? '[canary] a copy of the backup cut in half passed every check: this plan would not notice a backup cut short'
        : `[canary] the damaged copy was never restored, so the canary proves nothing: ${result.reason ?? result.outcome}`;
    const [, messages] = splitPing(await routedChannels(ctx.db, routes, kind));
    raised.push(await raise(facts(kind, `${result.drillId}:canary`, { canary: true, drill: { ...drill, reason } }), messages));
    return raised.filter((d): d is AlertDispatch => d !== null);
  }

  const { planId } = snapshot;
  const status = planId ? (await planStatuses(ctx.db, [planId])).get(planId) : undefined;
  if (result.outcome === 'passed') {
    raised.push(await raise(facts('passed', `${result.drillId}:passed`), await routedChannels(ctx.db, routes, 'passed')));
    const previous = planId ? await previousVerdictOf(ctx.db, planId, result.drillId) : null;
    if (previous === 'failed' || previous === 'error') {
      raised.push(await raise(facts('recovered', `${result.drillId}:recovered`), await routedChannels(ctx.db, routes, 'recovered')));
    }
  } else {
    const kind: NotifyEvent = result.outcome;
    const channels = await routedChannels(ctx.db, routes, kind);
    const [pings, messages] = splitPing(channels);
    const streak = status?.streak.count ? { count: status.streak.count, since: (status.streak.since ?? new Date(result.startedAt)).toISOString() } : undefined;
    raised.push(await raise(facts(kind, `${result.drillId}:${kind}:ping`, streak ? { streak } : {}), pings));
    const oncePerStreak = planId && snapshot.plan.alertRepeat === 'once-per-streak' && status?.streak.firstDrillId;
    const eventId = oncePerStreak ? `${planId}:${kind}:streak-${status!.streak.firstDrillId}` : `${result.drillId}:${kind}`;
    raised.push(await raise(facts(kind, eventId, streak ? { streak } : {}), messages));
  }

  if (planId && status && snapshot.plan.rpoHours !== undefined) {
    const breach = rpoBreachFacts(snapshot.plan.rpoHours, status, ctx.now);
    if (breach) raised.push(await raise(facts('rpo-breached', breach.eventId(planId), { rpo: breach.rpo }), await routedChannels(ctx.db, routes, 'rpo-breached')));
  }
  return raised.filter((d): d is AlertDispatch => d !== null);
}

function splitPing(channels: RoutedChannel[]): [RoutedChannel[], RoutedChannel[]] {
  const isPing = (kind: ChannelKind) => kind === 'ping';
  return [channels.filter((c) => isPing(c.kind)), channels.filter((c) => !isPing(c.kind))];
}
