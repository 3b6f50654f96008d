/**
 * The API token the CLI sends: RESTORE_DRILL_TOKEN when set (scripts, CI), else the one `drill
 * login` stored for this API in the user's config folder (mode 0600, in a 0700 folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface StoredCredentials {
  /** API base URL → token */
  tokens: Record<string, { token: string; email: string; tokenId: string }>;
}

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'restore-drill', 'credentials.json');
}

function readStored(file: string): StoredCredentials {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredCredentials;
    return parsed && typeof parsed.tokens === 'object' ? parsed : { tokens: {} };
  } catch {
    return { tokens: {} };
  }
}

export function storedLogin(api: string, env: NodeJS.ProcessEnv = process.env): StoredCredentials['tokens'][string] | undefined {
  return readStored(credentialsFile(env)).tokens[api];
}

export function apiToken(api: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.RESTORE_DRILL_TOKEN || storedLogin(api, env)?.token;
}

export function storeLogin(api: string, login: StoredCredentials['tokens'][string], env: NodeJS.ProcessEnv = process.env): string {
  const file = credentialsFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const stored = readStored(file);
  stored.tokens[api] = login;
  writeStored(file, stored);
  return file;
}

/** Written whole under a temporary name with 0600 from the start, then renamed over the old one. */
function writeStored(file: string, stored: StoredCredentials): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

export function forgetLogin(api: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = credentialsFile(env);
  const stored = readStored(file);
  if (!stored.tokens[api]) return;
  delete stored.tokens[api];
  writeStored(file, stored);
}
