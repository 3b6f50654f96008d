/**
 * Progress of a long activity: heartbeats keep Temporal convinced the worker is alive (and deliver
 * cancellation), and a throttled signal copies the byte count into the workflow so that its
 * `progress` query answers "restore, 1.2 GiB of 4 GiB" without anyone reading heartbeat details.
 */
import { Context } from '@temporalio/activity';
import type { ByteProgress, StepName } from '../core/drill.js';

/** Heartbeats keep flowing even when a tool is busy without reading (e.g. building indexes). */
const KEEPALIVE_MS = 2000;
/**
 * Each signal adds history events (a workflow's history is capped at ~51k events): frequent while
 * someone is likely watching the first minutes, then once a minute, so a 24-hour restore costs
 * about 6k events.
 */
const SIGNAL_INTERVAL_EARLY_MS = 5000;
const SIGNAL_INTERVAL_LATE_MS = 60_000;
const EARLY_PHASE_MS = 5 * 60_000;

export type SignalProgress = (drillId: string, progress: ByteProgress & { step: StepName }) => Promise<void>;

export class ActivityProgress {
  private bytesDone = 0;
  private lastSignalAt = 0;
  private readonly startedAt = Date.now();
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly drillId: string,
    private readonly step: StepName,
    private readonly bytesTotal: number | null,
    private readonly signal: SignalProgress | undefined,
  ) {
    this.keepalive = setInterval(() => this.beat(), KEEPALIVE_MS);
    this.beat();
  }

  update(bytesDone: number): void {
    this.bytesDone = bytesDone;
    this.beat();
    const interval = Date.now() - this.startedAt < EARLY_PHASE_MS ? SIGNAL_INTERVAL_EARLY_MS : SIGNAL_INTERVAL_LATE_MS;
    if (Date.now() - this.lastSignalAt >= interval) this.sendSignal();
  }

  /** Stops the keepalive and tells the workflow the final count. */
  async finish(): Promise<void> {
    clearInterval(this.keepalive);
    await this.sendSignal();
  }

  stop(): void {
    clearInterval(this.keepalive);
  }

  private beat(): void {
    Context.current().heartbeat({ bytesDone: this.bytesDone, bytesTotal: this.bytesTotal } satisfies ByteProgress);
  }

  private sendSignal(): Promise<void> {
    this.lastSignalAt = Date.now();
    if (!this.signal) return Promise.resolve();
    // Progress is best-effort: a lost signal must never fail the restore.
    return this.signal(this.drillId, { step: this.step, bytesDone: this.bytesDone, bytesTotal: this.bytesTotal }).catch(() => {});
  }
}
