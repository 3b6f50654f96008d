/**
 * The CLI's way to the API: a client typed by the API's own routes (`hc<AppType>`), so a route
 * that changes shape breaks this build instead of a script. The types of what the API answers are
 * derived from it here, never written by hand.
 */
import { hc, type ClientResponse, type InferResponseType } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import type { AppType } from '../api/app.js';
import { apiBaseUrl } from '../core/config.js';
import { apiToken } from './credentials.js';
import { CliError } from './exit-codes.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Writes that change a Temporal Schedule wait in the API until Temporal shows them applied (up to
 * 10 s): the CLI waits longer, or it would report a timeout for a write that went through.
 */
export const SCHEDULE_WRITE_TIMEOUT_MS = 30_000;

/** An API refusal, with its stable code for the few callers that branch on it. */
export class ApiRefusal extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * `timeoutMs` covers the whole exchange; only calls the API answers after waiting on something
 * slower than its database (a channel's answer to a test message, Temporal applying a schedule) raise it.
 */
export function apiClient(options: { timeoutMs?: number; anonymous?: boolean } = {}) {
  const base = apiBaseUrl();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Signing in sends no token: a stale one would be refused before the password is looked at.
  const token = options.anonymous ? undefined : apiToken(base);
  return hc<AppType>(base, {
    fetch: async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      try {
        const headers = new Headers(init?.headers);
        if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
        return await fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') throw new CliError(`the Restore Drill API at ${base} did not answer within ${timeoutMs / 1000} s`);
        throw new CliError(`cannot reach the Restore Drill API at ${base} (${networkReason(err)}): is \`npm start\` running? Set RESTORE_DRILL_API to use another`);
      }
    },
  }).api;
}

type Api = ReturnType<typeof apiClient>;

// The format parameter makes json() conditional; no narrower bound accepts every route's response.
type AnyResponse = ClientResponse<any, any, any>;

type SuccessBody<R> = R extends ClientResponse<infer Body, infer Status, infer _Format> ? (Status extends SuccessStatusCode ? Body : never) : never;

/** The JSON body of a successful answer; otherwise the API's own message, as a CliError (exit 2). */
export async function bodyOf<R extends AnyResponse>(request: Promise<R>): Promise<SuccessBody<R>> {
  const response = await request;
  const body = await jsonOrUndefined(response);
  if (!response.ok) throw refusal(response, body);
  return body as SuccessBody<R>;
}

/** For routes whose non-2xx answers are data too (a channel test that was not delivered). */
export async function answerOf<R extends AnyResponse>(request: Promise<R>, dataStatuses: number[]): Promise<{ status: number; body: R extends ClientResponse<infer Body, infer _Status, infer _Format> ? Body : never }> {
  const response = await request;
  const body = await jsonOrUndefined(response);
  if (!response.ok && !dataStatuses.includes(response.status)) throw refusal(response, body);
  return { status: response.status, body: body as never };
}

/**
 * hc puts path parameters into the URL as given; plans and channels answer to their names, which
 * may hold spaces or slashes.
 */
export function byId(idOrName: string): { id: string } {
  return { id: encodeURIComponent(idOrName) };
}

async function jsonOrUndefined(response: AnyResponse): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function refusal(response: AnyResponse, body: unknown): ApiRefusal {
  const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
  const said = typeof message === 'string' && message ? message : `${new URL(response.url).pathname} answered HTTP ${response.status}`;
  const text = response.status === 401 && code !== 'invalid_credentials' ? `${said} (run \`drill login\`, or set RESTORE_DRILL_TOKEN)` : said;
  return new ApiRefusal(text, response.status, typeof code === 'string' ? code : undefined);
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

export type PlanView = InferResponseType<Api['plans'][':id']['$get'], 200>;
export type PlanSummary = InferResponseType<Api['plans'][':id']['summary']['$get'], 200>;
export type DrillSummary = InferResponseType<Api['drills']['$get'], 200>['drills'][number];
export type DrillDetail = InferResponseType<Api['drills'][':id']['$get'], 200>;
export type ChannelView = InferResponseType<Api['channels'][':id']['$get'], 200>;
