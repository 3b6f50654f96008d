/**
 * The embedded Temporal dev server gets the Web UI's codec URL, token included, without the
 * token on its command line (which every account on the host can read in /proc).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { freePort } from '../../scripts/services/ports.js';
import { startTemporalServer, type TemporalServer } from '../../scripts/services/temporal-server.js';

let server: TemporalServer | undefined;
afterAll(async () => server?.stop());

function commandLines(): string[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        return '';
      }
    });
}

it('hands the Web UI its codec endpoint through a 0600 env file, never on a command line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-drill-temporal-ui-'));
  const marker = `rdd_${'5e'.repeat(20)}`;
  const uiCodecEndpoint = `http://127.0.0.1:9/codec/${marker}`;
  const uiPort = await freePort();
  server = await startTemporalServer({ toolsDir: loadConfig().toolsDir, port: await freePort(), uiPort, logFile: path.join(dir, 'logs', 'temporal.log'), namespace: 'default', uiCodecEndpoint });
  expect(server.origin).toMatch(/temporal$/);
  const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
  expect(settings.Codec.Endpoint).toBe(uiCodecEndpoint);
  const lines = commandLines();
  expect(lines.some((line) => line.includes('start-dev') && line.includes(`--ui-port ${uiPort}`))).toBe(true);
  expect(lines.filter((line) => line.includes(marker))).toEqual([]);
  expect(fs.statSync(path.join(dir, 'logs', 'temporal-cli-env.yaml')).mode & 0o777).toBe(0o600);
});
