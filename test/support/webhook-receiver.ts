/**
 * A real HTTP server on loopback standing in for Slack, a webhook receiver or a ping service: it
 * records every request (method, path, query, headers, body) and answers from a script of
 * statuses (e.g. 503 then 200), then 200. Given a signing secret it checks Standard Webhooks
 * signatures the way a receiver would, with its own implementation written from the spec
 * (https://www.standardwebhooks.com), so a sender's mistake cannot be mirrored by a shared bug,
 * and refuses bad or replayed deliveries with 401.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface WebhookReceiverOptions {
  /** Check `webhook-signature` with this secret (`whsec_…` or raw) and answer 401 when it fails. */
  signingSecret?: string;
  toleranceSeconds?: number;
  /** The receiver's clock, for replay tests. */
  now?: () => Date;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** With a signing secret: "ok" or why the delivery was refused. */
  verification?: string;
  status: number;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: RecordedRequest[];
  options: WebhookReceiverOptions;
  /** Queues answers for the next requests, in order; after them every request gets 200. */
  respondWith(...answers: Array<number | ScriptedAnswer>): void;
  /** The receiver's verdict on a delivery: "ok" or the reason it is refused. */
  verify(headers: http.IncomingHttpHeaders, body: string): string;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const requests: RecordedRequest[] = [];
  const script: ScriptedAnswer[] = [];
  const waiters = new Set<() => void>();

  const verify = (headers: http.IncomingHttpHeaders, body: string): string => {
    if (!options.signingSecret) return 'ok';
    return independentVerify(options.signingSecret, headers, body, options.toleranceSeconds ?? 300, (options.now ?? (() => new Date()))());
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const body = Buffer.concat(chunks).toString('utf8');
      const verification = options.signingSecret ? verify(req.headers, body) : undefined;
      const answer: ScriptedAnswer = verification && verification !== 'ok' ? { status: 401, body: verification } : (script.shift() ?? { status: 200, body: 'ok' });
      requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, ...(verification ? { verification } : {}), status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    options,
    respondWith(...answers) {
      script.push(...answers.map((a) => (typeof a === 'number' ? { status: a, body: http.STATUS_CODES[a] ?? '' } : a)));
    },
    verify,
    waitForRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(requests.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`expected ${count} request(s) within ${timeoutMs}ms, got ${requests.length}`));
        }, timeoutMs);
        waiters.add(wake);
        wake();
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Standard Webhooks verification as a receiver writes it from the spec. */
function independentVerify(secret: string, headers: http.IncomingHttpHeaders, body: string, toleranceSeconds: number, now: Date): string {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatureHeader = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatureHeader !== 'string') return 'missing webhook headers';
  const sentAt = Number.parseInt(timestamp, 10);
  if (!Number.isFinite(sentAt)) return 'bad timestamp';
  if (Math.abs(now.getTime() / 1000 - sentAt) > toleranceSeconds) return 'timestamp outside tolerance';
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  for (const entry of signatureHeader.split(' ')) {
    const [version, encoded] = entry.split(',');
    if (version !== 'v1' || !encoded) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return 'ok';
  }
  return 'signature mismatch';
}
