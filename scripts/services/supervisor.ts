/**
 * Keeps a child process running: `npm start` runs the worker in its own process, and a worker that
 * crashes (an out-of-memory kill, a bug) is started again after a backoff that doubles from
 * `initialDelayMs` up to `maxDelayMs`, and falls back to the start once a child has stayed up for
 * `stableAfterMs`. Drills survive the gap: Temporal hands their activities to the new worker.
 */
import type { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  stableAfterMs?: number;
  /** How long stop() waits for the child to finish its work after SIGTERM before SIGKILL. */
  stopGraceMs: number;
  log: (message: string) => void;
}

export interface Supervised {
  /** The running child, if any. */
  current(): ChildProcess | undefined;
  /** How many times the child was started. */
  starts(): number;
  /** Stops supervising and the child (SIGTERM, SIGKILL after the grace). */
  stop(): Promise<void>;
}

export function supervise(name: string, start: () => ChildProcess, options: SupervisorOptions): Supervised {
  const initialDelayMs = options.initialDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const stableAfterMs = options.stableAfterMs ?? 5 * 60_000;
  let child: ChildProcess | undefined;
  let stopping = false;
  let delay = initialDelayMs;
  let starts = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = () => {
    restartTimer = undefined;
    if (stopping) return;
    const startedAt = Date.now();
    starts += 1;
    const running = start();
    child = running;
    running.on('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - startedAt >= stableAfterMs) delay = initialDelayMs;
      options.log(`${name} exited unexpectedly (${signal ?? `code ${code}`}); starting it again in ${delay < 1000 ? `${delay} ms` : `${Math.round(delay / 1000)} s`}`);
      restartTimer = setTimeout(launch, delay);
      delay = Math.min(delay * 2, maxDelayMs);
    });
  };
  launch();

  return {
    current: () => child,
    starts: () => starts,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => running.kill('SIGKILL'), options.stopGraceMs);
        running.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        running.kill('SIGTERM');
      });
    },
  };
}
