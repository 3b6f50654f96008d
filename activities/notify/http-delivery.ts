/**
 * One HTTP request to a notification peer (Slack, a webhook receiver, a ping endpoint), and what
 * its answer means for retrying: 2xx delivered; 429 and 5xx and network trouble are worth another
 * try; any other 4xx will be refused again. Redirects are not followed: a 3xx answer would send
 * the (possibly signed or secret-bearing) request somewhere nobody configured.
 *
 * Errors name the peer by a caller-given description, never by URL, since the URL of a Slack
 * webhook or ping check is the secret itself; anything the peer answers is scrubbed of it too.
 */
import { NotifyError, type DeliveryReceipt } from './channel.js';

export const HTTP_TIMEOUT_MS = 30_000;
const ANSWER_PREVIEW_CHARS = 200;
const ANSWER_READ_LIMIT_BYTES = 4096;

export interface HttpDelivery {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** How errors name the peer, e.g. `the Slack webhook (vault credential ops-slack)`. */
  peer: string;
  /** Strings that must never appear in an error or receipt (the URL and its parts, when secret). */
  secrets?: string[];
  signal: AbortSignal;
  timeoutMs?: number;
}

export async function deliverHttp(delivery: HttpDelivery): Promise<DeliveryReceipt> {
  const timeoutMs = delivery.timeoutMs ?? HTTP_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const scrub = scrubber(delivery.secrets ?? []);
  let response: Response;
  try {
    response = await fetch(delivery.url, {
      method: delivery.method,
      headers: { 'user-agent': 'Restore-Drill', ...delivery.headers },
      ...(delivery.body !== undefined ? { body: delivery.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.any([delivery.signal, timeout]),
    });
  } catch (err) {
    if (delivery.signal.aborted) throw new NotifyError(`delivery to ${delivery.peer} was cancelled`, false);
    if (timeout.aborted) throw new NotifyError(`${delivery.peer} did not answer within ${timeoutMs / 1000}s`, false);
    throw new NotifyError(`could not reach ${delivery.peer}: ${networkCause(err)}`, false);
  }

  let answer: string;
  try {
    answer = scrub(await readPreview(response));
  } catch {
    // The status is what decides; an answer cut off mid-body changes nothing about it.
    answer = '';
  }
  const status = `HTTP ${response.status}${answer ? ` ${answer}` : ''}`;
  if (response.status >= 200 && response.status < 300) return { detail: status };
  if (response.status >= 300 && response.status < 400) {
    throw new NotifyError(`${delivery.peer} answered HTTP ${response.status}, a redirect, which is not followed: configure the URL it redirects to`, true);
  }
  if (response.status === 429) {
    const retryAfter = response.headers.get('retry-after');
    throw new NotifyError(`${delivery.peer} is rate limiting: ${status}${retryAfter ? ` (retry after ${retryAfter.slice(0, 40)}s)` : ''}`, false);
  }
  if (response.status >= 500) throw new NotifyError(`${delivery.peer} failed: ${status}`, false);
  throw new NotifyError(`${delivery.peer} refused the message: ${status}`, true);
}

/** The parts of a capability URL that would reveal it: the whole, its path, its longer segments. */
export function secretPartsOf(url: string): string[] {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').filter((segment) => segment.length >= 16);
  return [url, parsed.href, `${parsed.pathname}${parsed.search}`, parsed.search.slice(1), ...segments].filter((part) => part.length > 1);
}

async function readPreview(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_READ_LIMIT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > ANSWER_PREVIEW_CHARS ? `${text.slice(0, ANSWER_PREVIEW_CHARS)}…` : text;
}

function scrubber(secrets: string[]): (text: string) => string {
  const longestFirst = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  return (text) => longestFirst.reduce((scrubbed, secret) => scrubbed.split(secret).join('…'), text);
}

/** Node's fetch hides the reason in `cause`; its code says what happened without quoting the URL. */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const explained: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed temporarily',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'connection closed by the peer',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  };
  if (!code) return 'network error';
  if (/CERT|SELF_SIGNED|SIGNATURE/.test(code)) return `the TLS certificate is not trusted (${code})`;
  return `${explained[code] ?? 'network error'} (${code})`;
}
