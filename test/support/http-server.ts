/**
 * A small real HTTP server on loopback serving files from a directory: HEAD/GET, byte ranges
 * (with If-Range), ETag/Last-Modified, optional basic auth, configured redirects, and a switch
 * that cuts the connection after N body bytes of the first full GET (a dropped download).
 * Every request is logged (method, path, selected headers) for assertions.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface HttpServerOptions {
  dir: string;
  basicAuth?: { username: string; password: string };
  /** Request path → Location (absolute URL or path), answered with 302. */
  redirects?: Record<string, string>;
  acceptRanges?: boolean;
  /** Omit HEAD support (405), to exercise the GET fallback. */
  noHead?: boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  authorization?: string;
  range?: string;
  ifRange?: string;
  headers: http.IncomingHttpHeaders;
}

export interface TestHttpServer {
  origin: string;
  options: HttpServerOptions;
  requests: LoggedRequest[];
  /** Cut the next full (non-range) GET of any file after `bytes` body bytes. */
  dropNextDownloadAfter(bytes: number): void;
  stop(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<TestHttpServer> {
  const requests: LoggedRequest[] = [];
  let dropAfter: number | undefined;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      headers: req.headers,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(typeof req.headers['if-range'] === 'string' ? { ifRange: req.headers['if-range'] } : {}),
    });
    const redirect = options.redirects?.[url.pathname];
    if (redirect) {
      res.writeHead(302, { location: redirect, 'content-length': '0' }).end();
      return;
    }
    if (options.basicAuth) {
      const expected = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="backups"', 'content-length': '0' }).end();
        return;
      }
    }
    if (req.method === 'HEAD' && options.noHead) {
      res.writeHead(405, { allow: 'GET', 'content-length': '0' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-length': '0' }).end();
      return;
    }
    const file = path.join(options.dir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain', 'content-length': '9' }).end('not found');
      return;
    }
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers: http.OutgoingHttpHeaders = { etag, 'last-modified': stat.mtime.toUTCString(), 'content-type': 'application/octet-stream' };
    if (options.acceptRanges !== false) headers['accept-ranges'] = 'bytes';

    let start = 0;
    let end = stat.size - 1;
    let partial = false;
    const range = options.acceptRanges !== false ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === etag || ifRange === headers['last-modified'])) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), stat.size - 1) : stat.size - 1;
      if (start >= stat.size) {
        res.writeHead(416, { 'content-range': `bytes */${stat.size}`, 'content-length': '0' }).end();
        return;
      }
      partial = true;
      headers['content-range'] = `bytes ${start}-${end}/${stat.size}`;
    }
    headers['content-length'] = String(end - start + 1);
    res.writeHead(partial ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const cut = !partial && dropAfter !== undefined ? dropAfter : undefined;
    if (cut !== undefined) dropAfter = undefined;
    const body = fs.createReadStream(file, { start, end: cut !== undefined ? Math.min(end, start + cut - 1) : end });
    if (cut === undefined) {
      body.pipe(res);
      return;
    }
    body.on('data', (chunk) => res.write(chunk));
    body.on('end', () => {
      // Flush what was written, then kill the socket without finishing the body.
      setTimeout(() => res.socket?.destroy(), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    options,
    requests,
    dropNextDownloadAfter(bytes: number) {
      dropAfter = bytes;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
