import { apiBaseUrl } from '../core/config.js';
import { CliError } from './exit-codes.js';

/** GETs a JSON resource from the running API (history reads go through it, not to Postgres). */
export async function getJson<T>(resource: string): Promise<T> {
  const url = `${apiBaseUrl()}${resource}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliError(`cannot reach the Restore Drill API at ${apiBaseUrl()} (${(err as Error).message}): is \`npm start\` running? Set RESTORE_DRILL_API to use another`);
  }
  const body = (await response.json().catch(() => undefined)) as { error?: string } | undefined;
  if (!response.ok) throw new CliError(body?.error ?? `${url} answered ${response.status}`);
  return body as T;
}
