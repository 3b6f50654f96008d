/**
 * The `http`/`https` source: one exact URL (HTTP has no listing, so no `latest`). Optional `http`
 * credential: basic auth and/or extra headers, sent only to the URL's own origin — redirects are
 * followed by hand (at most 5) and drop every credential header when they leave that origin.
 * A `<url>.sha256` sidecar is used when the server has one; a dropped download is resumed with
 * `Range` + `If-Range` when the server advertised `Accept-Ranges: bytes`.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Credential } from '../../core/credentials.js';
import { backupRejected, invalidRequest } from '../failures.js';
import { FatalSourceError, resumableStream } from './resumable.js';
import { parseSidecar } from './s3.js';
import type { BackupSource, LocateRequest, OpenRequest, SourceObject } from './source.js';

const MAX_REDIRECTS = 5;
const SIDECAR_SUFFIX = '.sha256';

function parseHttpUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalidRequest(`not an HTTP URL: "${uri}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidRequest(`not an HTTP URL: "${uri}"`);
  if (url.username || url.password) throw invalidRequest('HTTP source URLs must not carry a user or password: store an http credential in the vault instead');
  return url;
}

/** The URL without query string: query strings often carry signatures, which must not reach logs or histories. */
function shown(url: URL | string): string {
  const u = new URL(String(url));
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}

function credentialHeaders(credential: Credential | undefined): Record<string, string> {
  if (!credential) return {};
  if (credential.kind !== 'http') throw invalidRequest(`HTTP sources need an "http" credential, got a "${credential.kind}" credential`);
  const headers: Record<string, string> = { ...(credential.headers ?? {}) };
  if (credential.username !== undefined || credential.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`).toString('base64')}`;
  }
  return headers;
}

interface Fetched {
  response: Response;
  finalUrl: URL;
}

/** fetch with redirects followed by hand, credentials only ever sent to the original origin. */
async function fetchFollowing(start: URL, init: { method: string; headers: Record<string, string>; credential: Credential | undefined; signal: AbortSignal }): Promise<Fetched> {
  const secret = credentialHeaders(init.credential);
  const allowed = init.credential?.kind === 'http' ? init.credential.origins : undefined;
  if (allowed && !allowed.includes(start.origin)) {
    throw invalidRequest(`the http credential may be sent to ${allowed.join(', ')} only, and this source is on ${start.origin}: point the plan at a URL there, or add the origin to the credential's "origins"`);
  }
  let url = start;
  for (let hop = 0; ; hop += 1) {
    const sameOrigin = url.origin === start.origin;
    let response: Response;
    try {
      response = await fetch(url, { method: init.method, headers: { ...init.headers, ...(sameOrigin ? secret : {}) }, redirect: 'manual', signal: init.signal });
    } catch (err) {
      if (init.signal.aborted) throw init.signal.reason ?? err;
      // Only the network error's code: undici's own messages can quote request headers (credentials).
      const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code ?? (err as Error).name;
      throw new Error(`HTTP ${init.method} ${shown(url)} failed: ${code}`);
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      const location = response.headers.get('location');
      await response.body?.cancel().catch(() => undefined);
      if (!location) throw new Error(`HTTP ${response.status} from ${shown(url)} without a Location header`);
      if (hop >= MAX_REDIRECTS) throw backupRejected({ name: 'present', observed: `more than ${MAX_REDIRECTS} redirects`, expected: 'the backup', message: `${shown(start)} redirects more than ${MAX_REDIRECTS} times` });
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw invalidRequest(`${shown(url)} redirects to a non-HTTP URL (${next.protocol})`);
      url = next;
      continue;
    }
    return { response, finalUrl: url };
  }
}

function checkStatus(response: Response, url: URL, what: string): void {
  if (response.ok) return;
  const s = response.status;
  if (s === 404 || s === 410) {
    throw backupRejected({ name: 'present', observed: `HTTP ${s}`, expected: `a backup at ${shown(url)}`, message: `no backup at ${shown(url)}: the server answered ${s} ${response.statusText || (s === 404 ? 'Not Found' : 'Gone')}` });
  }
  if (s === 401 || s === 403) {
    throw backupRejected({ name: 'access', observed: `HTTP ${s}`, expected: `read access to ${shown(url)}`, message: `${new URL(url).host} refused ${what}: HTTP ${s} ${response.statusText || (s === 401 ? 'Unauthorized' : 'Forbidden')} (the credential is missing or was refused)` });
  }
  if (s >= 500 || s === 408 || s === 429) throw new Error(`HTTP ${s} from ${shown(url)} (server trouble, will retry)`);
  throw backupRejected({ name: 'present', observed: `HTTP ${s}`, expected: `a backup at ${shown(url)}`, message: `${shown(url)} answered HTTP ${s} ${response.statusText}` });
}

export const httpSource: BackupSource = {
  schemes: ['http', 'https'],

  async locate(request: LocateRequest): Promise<SourceObject> {
    if (request.latest !== undefined) throw invalidRequest(`"latest" is not supported for http sources: HTTP has no directory listing, so give the exact URL of the backup`);
    const url = parseHttpUri(request.uri);
    const base = { credential: request.credential, signal: request.signal };
    let { response, finalUrl } = await fetchFollowing(url, { ...base, method: 'HEAD', headers: {} });
    if (response.status === 405 || response.status === 501 || (response.ok && response.headers.get('content-length') === null)) {
      // No HEAD, or no length on it: the GET's headers say the same; its body is not read.
      ({ response, finalUrl } = await fetchFollowing(url, { ...base, method: 'GET', headers: {} }));
      await response.body?.cancel().catch(() => undefined);
    }
    checkStatus(response, url, 'the request');
    const length = Number(response.headers.get('content-length'));
    if (!Number.isFinite(length) || response.headers.get('content-length') === null) throw new Error(`${shown(url)} sends no Content-Length, so its size is unknown`);
    const lastModified = response.headers.get('last-modified');
    const modified = lastModified ? new Date(lastModified) : undefined;

    let sha256: SourceObject['sha256'] = null;
    const sidecarUrl = new URL(url);
    sidecarUrl.pathname += SIDECAR_SUFFIX;
    const sidecar = await fetchFollowing(sidecarUrl, { ...base, method: 'GET', headers: {} });
    if (sidecar.response.ok) {
      const text = (await sidecar.response.text()).slice(0, 4096);
      sha256 = { hex: parseSidecar(text, shown(sidecarUrl)), from: 'sidecar' };
    } else {
      await sidecar.response.body?.cancel().catch(() => undefined);
      if (sidecar.response.status >= 500) throw new Error(`HTTP ${sidecar.response.status} fetching ${shown(sidecarUrl)} (will retry)`);
    }

    const details: Record<string, string> = {};
    if (finalUrl.href !== url.href) details.finalUrl = shown(finalUrl);
    const etag = response.headers.get('etag');
    if (etag) details.etag = etag;
    if (lastModified) details.lastModified = lastModified;
    if ((response.headers.get('accept-ranges') ?? '').toLowerCase().includes('bytes')) details.acceptRanges = 'bytes';
    return {
      uri: url.href,
      sizeBytes: length,
      modifiedAt: (modified && !Number.isNaN(modified.getTime()) ? modified : new Date()).toISOString(),
      sha256,
      details,
    };
  },

  open(object: SourceObject, request: OpenRequest): Readable {
    const url = parseHttpUri(object.uri);
    const validator = object.details?.etag && !object.details.etag.startsWith('W/') ? object.details.etag : object.details?.lastModified;
    const canResume = object.details?.acceptRanges === 'bytes';
    return resumableStream({
      what: shown(url),
      sizeBytes: object.sizeBytes,
      signal: request.signal,
      async openAt(offset, signal) {
        if (offset > 0 && !canResume) {
          throw new FatalSourceError(`the download of ${shown(url)} broke off at byte ${offset} and the server does not accept byte ranges, so it cannot be resumed`);
        }
        const headers: Record<string, string> = {};
        if (offset > 0) {
          headers.range = `bytes=${offset}-`;
          if (validator) headers['if-range'] = validator;
        }
        const { response } = await fetchFollowing(url, { method: 'GET', headers, credential: request.credential, signal });
        checkStatus(response, url, 'the download');
        if (offset > 0 && response.status !== 206) {
          await response.body?.cancel().catch(() => undefined);
          throw new FatalSourceError(`${shown(url)} changed during the download (the server sent the whole object again instead of the rest): it was overwritten; the next attempt locates it again`);
        }
        if (offset === 0 && validator && object.details?.etag && response.headers.get('etag') && response.headers.get('etag') !== object.details.etag) {
          await response.body?.cancel().catch(() => undefined);
          throw new FatalSourceError(`${shown(url)} changed since it was located (ETag ${object.details.etag} → ${response.headers.get('etag')})`);
        }
        if (!response.body) throw new Error(`${shown(url)} sent no body`);
        return Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
      },
    });
  },
};
