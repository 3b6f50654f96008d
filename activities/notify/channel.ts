/**
 * What every notification channel does: take one rendered message and deliver it, saying what
 * the peer answered. Adding a channel kind is one module implementing Notifier plus one line in
 * ./registry.ts (and its config schema in core/notify.ts).
 */
import type { CredentialResolver } from '../../core/credentials.js';
import type { ChannelConfig, ChannelKind, NotifyEvent } from '../../core/notify.js';

/** Non-secret facts an event is about; templates render from these, webhooks send them as JSON. */
export interface EventFacts {
  /** One of NOTIFY_EVENTS, or "test" for a channel's test message. */
  kind: NotifyEvent | 'test';
  eventId: string;
  occurredAt: string;
  canary: boolean;
  plan: { id: string; name: string } | null;
  drill: {
    id: string;
    outcome: string;
    trigger: string;
    failedStep: string | null;
    /** Starts with the level, e.g. "[restorable] the plain SQL dump is incomplete…". */
    reason: string | null;
    level: string | null;
    engine: string;
    source: string;
    startedAt: string;
    finishedAt: string | null;
    durationMs: number | null;
    backup: { uri: string; sizeBytes: number; modifiedAt: string; sha256: string | null } | null;
    tableCount: number;
    totalRows: number;
    /** The checks that failed, with what was observed and expected. */
    failedChecks: Array<{ name: string; level: string; observed: string; expected: string; message: string }>;
    /** The drill's log: one line per step ("restore failed after 2.1s: …"). */
    log: string[];
  } | null;
  /** Links for people: the drill in Restore Drill, the workflow in the Temporal Web UI. */
  links: { drill: string | null; temporal: string | null };
  /** Consecutive drills that did not pass, including this one. */
  streak?: { count: number; since: string };
  overdue?: { lastFinishedAt: string | null; expectedEvery: string; overdueSince: string; schedule: string; paused: boolean; pauseNote: string | null };
  rpo?: { targetHours: number; verifiedBackupAt: string | null; verifiedAgeHours: number | null };
  digest?: {
    from: string;
    to: string;
    plans: Array<{ id: string; name: string; drills: number; passed: number; failed: number; errors: number; lastOutcome: string | null; verifiedAgeHours: number | null }>;
  };
}

export interface OutgoingMessage {
  facts: EventFacts;
  /** Rendered from the channel's template for the event, or the default one. */
  subject: string;
  text: string;
}

export interface DeliveryContext {
  credentials: CredentialResolver;
  signal: AbortSignal;
  /** Why the credential is read, for the vault's audit log. */
  purpose: string;
}

export interface DeliveryReceipt {
  /** What the peer answered ("250 2.0.0 Ok: queued", "HTTP 200"); never a secret. */
  detail: string;
}

export interface Notifier<C extends ChannelConfig = ChannelConfig> {
  kind: ChannelKind;
  /**
   * Delivers or throws. A NotifyError with `permanent` set (bad address, 4xx the peer will always
   * give) is not retried; anything else is, with backoff. Messages never quote secrets.
   */
  send(config: C, message: OutgoingMessage, context: DeliveryContext): Promise<DeliveryReceipt>;
}

export class NotifyError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}
