/**
 * The web app's way to the API: a client typed by the API's own routes (`hc<AppType>`), so every
 * response type here is derived from the server, never written by hand. The session cookie goes
 * with every call; writes carry this page's Origin, which the API requires of cookie writes.
 */
import { hc, type ClientResponse, type InferResponseType } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import type { AppType } from '../../api/app.js';

export const api = hc<AppType>(window.location.origin, { init: { credentials: 'same-origin' } }).api;
type Api = typeof api;

/** A refusal with the API's stable code, and the field it names when it names one. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }

  /** "schedule.at: a 24-hour time…" → {field: "schedule.at", text: "a 24-hour time…"}. */
  get field(): { field: string; text: string } | undefined {
    if (this.code !== 'validation_failed') return undefined;
    const match = /^([\w.[\]]+): (.*)$/.exec(this.message);
    return match ? { field: match[1]!, text: match[2]! } : undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyResponse = ClientResponse<any, any, any>;
type SuccessBody<R> = R extends ClientResponse<infer Body, infer Status, infer _Format> ? (Status extends SuccessStatusCode ? Body : never) : never;

/** Listeners told when the API says the session is gone (the app shows the sign-in page). */
const signedOutListeners = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export async function bodyOf<R extends AnyResponse>(request: Promise<R>): Promise<SuccessBody<R>> {
  let response: R;
  try {
    response = await request;
  } catch (err) {
    throw new ApiFailure(`the API cannot be reached (${(err as Error).message}): is Restore Drill running?`, 0, undefined);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const { code, message } = (body ?? {}) as { code?: string; message?: string };
    if (response.status === 401 && code !== 'invalid_credentials') for (const listener of signedOutListeners) listener();
    throw new ApiFailure(message ?? `HTTP ${response.status}`, response.status, code);
  }
  return body as SuccessBody<R>;
}

/** Path parameters are put into URLs as given; plans answer to names with spaces and slashes. */
export function byId(id: string): { id: string } {
  return { id: encodeURIComponent(id) };
}

/** The same for routes keyed by name (vault credentials). */
export function byName(name: string): { name: string } {
  return { name: encodeURIComponent(name) };
}

/** A failure as people read it: the API's message, or what went wrong on the way. */
export function failureText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type Me = InferResponseType<Api['auth']['me']['$get'], 200>;
export type PlanView = InferResponseType<Api['plans'][':id']['$get'], 200>;
export type PlanSummary = InferResponseType<Api['plans'][':id']['summary']['$get'], 200>;
export type DrillSummary = InferResponseType<Api['drills']['$get'], 200>['drills'][number];
export type DrillDetail = InferResponseType<Api['drills'][':id']['$get'], 200>;
export type Providers = InferResponseType<Api['auth']['providers']['$get'], 200>;
export type UserView = InferResponseType<Api['users']['$get'], 200>['users'][number];
export type NewUser = InferResponseType<Api['users']['$post'], 201>;
export type TokenView = InferResponseType<Api['tokens']['$get'], 200>['tokens'][number];
export type NewToken = InferResponseType<Api['tokens']['$post'], 201>;
export type VaultCredential = InferResponseType<Api['vault']['$get'], 200>['credentials'][number];
export type ChannelView = InferResponseType<Api['channels']['$get'], 200>['channels'][number];
export type ChannelTestResult = InferResponseType<Api['channels'][':id']['test']['$post'], 200>;
export type AuditEvent = InferResponseType<Api['audit']['$get'], 200>['events'][number];
