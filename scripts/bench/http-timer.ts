/**
 * GET requests over one keep-alive loopback connection, timed from the request being written to
 * the last byte of the answer. The body is kept as bytes: parsing it would add the client's JSON
 * cost to the server's latency.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface TimedResponse {
  status: number;
  ms: number;
  body: Buffer;
}

export interface HttpTimer {
  get(path: string): Promise<TimedResponse>;
  /** A GET whose answer must be 200: a benchmark of error pages would measure nothing. */
  getOk(path: string): Promise<TimedResponse>;
  /** getOk, parsed (for setup and checks, not for timing). */
  getJson<T>(path: string): Promise<T>;
  close(): void;
}

export function httpTimer(baseUrl: string, headers: Record<string, string> = {}): HttpTimer {
  // One socket, reused: what a dashboard or CLI polling the API does, and no connect cost per sample.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const origin = new URL(baseUrl);

  function get(path: string): Promise<TimedResponse> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.get({ host: origin.hostname, port: origin.port, path, agent, headers: { accept: 'application/json', ...headers } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      });
      request.on('error', reject);
    });
  }

  async function getOk(path: string): Promise<TimedResponse> {
    const answer = await get(path);
    if (answer.status !== 200) throw new Error(`GET ${path}: HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 500)}`);
    return answer;
  }

  return {
    get,
    getOk,
    async getJson<T>(path: string): Promise<T> {
      return JSON.parse((await getOk(path)).body.toString('utf8')) as T;
    },
    close: () => agent.destroy(),
  };
}
