/**
 * The supervisor `npm start` keeps the worker with: real child processes that crash are started
 * again after a doubling backoff, and stop() ends the one running without another restart.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../scripts/services/supervisor.js';

describe('the worker supervisor', () => {
  it('restarts a crashing child with a doubling backoff, then stops it for good', async () => {
    const messages: string[] = [];
    const startedAt: number[] = [];
    // Crashes at once the first three times, then stays up.
    const supervised = supervise(
      'child',
      () => {
        startedAt.push(Date.now());
        const crash = startedAt.length <= 3;
        return spawn(process.execPath, ['-e', crash ? 'process.exit(3)' : 'setInterval(() => {}, 1000)']);
      },
      { initialDelayMs: 100, maxDelayMs: 1000, stopGraceMs: 2000, log: (m) => messages.push(m) },
    );
    const deadline = Date.now() + 10_000;
    while (supervised.starts() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(supervised.starts()).toBe(4);
    expect(messages).toEqual([
      'child exited unexpectedly (code 3); starting it again in 100 ms',
      'child exited unexpectedly (code 3); starting it again in 200 ms',
      'child exited unexpectedly (code 3); starting it again in 400 ms',
    ]);
    const gaps = startedAt.slice(1).map((at, i) => at - startedAt[i]!);
    // 100, 200, 400 ms plus the time a node process takes to start and exit.
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(gaps[2]).toBeGreaterThanOrEqual(400);
    const running = supervised.current()!;
    expect(running.exitCode).toBeNull();
    await supervised.stop();
    expect(running.signalCode).toBe('SIGTERM');
    await new Promise((r) => setTimeout(r, 1200));
    expect(supervised.starts()).toBe(4);
  });
});
