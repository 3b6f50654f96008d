/**
 * A jailed tool stopped the moment it starts (a scanner that refuses the first document, a
 * cancellation) ends its run at once, even when the jail was still being set up and the tool
 * inside lives on; teardown then kills what is left of it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { runTool } from '../../activities/process.js';
import { jailed, jailStatus } from '../../activities/sandboxes/jail.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';

it('a jailed tool aborted right after it starts ends its run within seconds, and teardown leaves none of it', async () => {
  const root = path.join(inject('scratchDir'), `jail-abort-${randomBytes(3).toString('hex')}`);
  fs.mkdirSync(root, { mode: 0o755 });
  const sandbox = await createLocalSandbox('jail-abort', 'postgres', { hostTaskQueue: 'test', rootDir: root });
  expect((await jailStatus(sandbox)).jailed).toBe(true);
  const marker = `jail-abort-${randomBytes(4).toString('hex')}`;
  const slowest: number[] = [];
  try {
    for (let i = 0; i < 12; i++) {
      const stop = new AbortController();
      // sh -c keeps the marker in the tool's command line, to find what is left of it.
      const tool = await jailed(sandbox, '/bin/sh', ['-c', `sleep 600 # ${marker}`], { writableSandbox: false });
      const started = Date.now();
      const run = runTool(tool.command, tool.args, { uid: sandbox.uid, gid: sandbox.gid, signal: stop.signal });
      setTimeout(() => stop.abort(), i % 4);
      await run.catch(() => {});
      slowest.push(Date.now() - started);
    }
  } finally {
    await removeLocalSandbox(sandbox);
  }
  // Not a timing: without the fix a run lasts as long as the tool inside, ten minutes.
  expect(Math.max(...slowest)).toBeLessThan(60_000);
  const left = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
  // Only a root worker gives the sandbox an account of its own, whose processes teardown may kill.
  if (process.getuid?.() === 0) expect(left).toEqual([]);
  fs.rmSync(root, { recursive: true, force: true });
}, 180_000);
