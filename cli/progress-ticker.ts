/** The live progress line `run` and `canary` keep on stderr while a drill works, on terminals only. */
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../workflows/definitions.js';
import { formatProgressLine } from './format-drill.js';

const PROGRESS_INTERVAL_MS = 500;

export interface ProgressTicker {
  stop(): Promise<void>;
}

/** Undefined when stderr is not a terminal: a log file should not fill with carriage returns. */
export function startProgressTicker(handle: WorkflowHandle, startedAt: number): ProgressTicker | undefined {
  if (!process.stderr.isTTY) return undefined;
  let stopped = false;
  let lastLine = '';
  const tick = async () => {
    while (!stopped) {
      try {
        const line = formatProgressLine(await handle.query(progressQuery), Date.now() - startedAt);
        if (!stopped) {
          process.stderr.write(`\r\x1b[2K${line}`);
          lastLine = line;
        }
      } catch {
        // The workflow may not have run its first task yet; try again on the next tick.
      }
      await new Promise((r) => setTimeout(r, PROGRESS_INTERVAL_MS));
    }
  };
  const loop = tick();
  return {
    async stop() {
      stopped = true;
      await loop;
      if (lastLine) process.stderr.write('\r\x1b[2K');
    },
  };
}
