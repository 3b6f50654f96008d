/**
 * A TLS front for a plain-gRPC Temporal server. `temporal server start-dev` serves no TLS, so to
 * test mTLS and API-key settings against a real server, tests put this proxy in front of it:
 * it terminates TLS (optionally demanding a client certificate, optionally an API key) on a free
 * loopback port and forwards every HTTP/2 stream unchanged to the upstream server.
 *
 * `makeTestPki` issues the throwaway certificates: a CA, a server certificate, a client
 * certificate, and a second CA with its own client certificate (the "wrong CA" cases).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http2 from 'node:http2';
import type net from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** DNS names on the server certificate besides IP:127.0.0.1; either works as `serverNameOverride`. */
export const TEST_SERVER_NAMES = ['localhost', 'temporal.test'] as const;
/** `clientCertSubject` the proxy records for `clientCert`. */
export const TEST_CLIENT_SUBJECT = 'CN=restore-drill-test-client';

export interface TestPki {
  dir: string;
  /** Paths of PEM files. `caCert` signed the server and client certificates. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA the proxy does not trust: as a client's root it makes the server certificate untrusted. */
  otherCaCert: string;
  /** Signed by `otherCaCert`, so the proxy refuses it. */
  otherClientCert: string;
  otherClientKey: string;
}

// rustls (webpki) rejects what OpenSSL lets through: v1 certificates (what `x509 -req` makes
// without extensions), CN-only server names, CA certificates without keyCertSign, leaves without
// the matching extendedKeyUsage. Hence explicit v3 sections for every certificate.
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, ${TEST_SERVER_NAMES.map((name) => `DNS:${name}`).join(', ')}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:restore-drill-test-client
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const VALIDITY = ['-days', '7', '-sha256'];

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`);
  }
}

/** A random positive serial: webpki refuses serials that are negative or longer than 20 bytes. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return `0x${bytes.toString('hex')}`;
}

interface Issued {
  cert: string;
  key: string;
}

async function issueCa(dir: string, config: string, name: string, commonName: string): Promise<Issued> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await openssl(['req', '-x509', '-new', ...EC_KEY, '-keyout', key, '-out', cert, ...VALIDITY, '-subj', `/CN=${commonName}`, '-set_serial', serial(), '-config', config, '-extensions', 'ca_ext']);
  return { cert, key };
}

async function issueLeaf(dir: string, config: string, name: string, commonName: string, extensions: string, ca: Issued): Promise<Issued> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}`, '-config', config]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', serial(), ...VALIDITY, '-extfile', config, '-extensions', extensions, '-out', cert]);
  await fs.rm(csr);
  return { cert, key };
}

/** Writes a fresh PKI (EC P-256 keys, 7 days) into `dir`, which is created if missing. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await fs.mkdir(dir, { recursive: true });
  const config = path.join(dir, 'openssl.cnf');
  await fs.writeFile(config, OPENSSL_CONFIG);
  const [ca, otherCa] = await Promise.all([issueCa(dir, config, 'ca', 'restore-drill test CA'), issueCa(dir, config, 'other-ca', 'restore-drill other test CA')]);
  const [server, client, otherClient] = await Promise.all([
    issueLeaf(dir, config, 'server', 'temporal.test', 'server_ext', ca),
    issueLeaf(dir, config, 'client', 'restore-drill-test-client', 'client_ext', ca),
    issueLeaf(dir, config, 'other-client', 'restore-drill-test-client', 'client_ext', otherCa),
  ]);
  return {
    dir,
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    otherCaCert: otherCa.cert,
    otherClientCert: otherClient.cert,
    otherClientKey: otherClient.key,
  };
}

export interface ProxiedRequest {
  /** The gRPC method, e.g. "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo". */
  path: string;
  authorization: string | undefined;
  /** Subject of the client certificate, only when it verified against the test CA. */
  clientCertSubject: string | undefined;
}

export interface TemporalTlsProxy {
  /** "127.0.0.1:port" */
  address: string;
  port: number;
  /** Every request that got through the TLS handshake, refused ones included, in arrival order. */
  requests: ProxiedRequest[];
  /**
   * Why handshakes failed, as the proxy's OpenSSL saw it. Clients retry, so expect repeats, and
   * grpc-js keeps retrying for a while after its Connection is closed: assert with `some`.
   * "socket hang up" is all there is when a grpc-js client rejects the server certificate (it
   * closes without an alert) and when the proxy drops a client certificate from an unknown CA.
   */
  handshakeErrors: string[];
  /** Streams still open towards the upstream server: lets a test see that a cancellation got through. */
  openUpstreamStreams(): number;
  close(): Promise<void>;
}

export interface TemporalTlsProxyOptions {
  /** host:port of a plain-gRPC Temporal server. */
  upstream: string;
  pki: TestPki;
  /**
   * Refuse handshakes without a client certificate signed by `pki.caCert`. A missing certificate
   * gets the TLS 1.3 certificate_required alert; one from another CA is checked by Node only after
   * the handshake and the connection is just dropped (a Go Temporal server would send an alert).
   */
  requireClientCert: boolean;
  /** When set, requests without `authorization: Bearer <key>` get gRPC status UNAUTHENTICATED. */
  requireApiKey?: string;
}

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;

// Connection-specific headers are illegal in HTTP/2 (node throws on them); `te: trailers` is not
// one of them here: gRPC requires it end to end.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

function copyHeaders(headers: http2.IncomingHttpHeaders, keep: readonly string[] = []): http2.OutgoingHttpHeaders {
  const copy: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if ((name.startsWith(':') && !keep.includes(name)) || HOP_BY_HOP.has(name)) continue;
    copy[name] = value;
  }
  return copy;
}

/** Answers a gRPC call without forwarding it: a trailers-only response, as gRPC servers send errors. */
function refuse(stream: http2.ServerHttp2Stream, grpcStatus: number, message: string): void {
  if (stream.destroyed || stream.headersSent) return;
  // grpc-message is percent-encoded on the wire; keep ours plain ASCII without '%'.
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(grpcStatus), 'grpc-message': message.replace(/[^\x20-\x24\x26-\x7e]/g, '?') }, { endStream: true });
  // The client may still be sending its request message; drain it so the stream can close.
  stream.resume();
}

function verifiedSubject(session: http2.Http2Session | undefined): string | undefined {
  try {
    const socket = session?.socket as TLSSocket | undefined;
    if (!socket?.authorized) return undefined;
    const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
    if (!subject) return undefined;
    return Object.entries(subject)
      .map(([field, value]) => `${field}=${Array.isArray(value) ? value.join('+') : value}`)
      .join(', ');
  } catch {
    return undefined; // the session's socket is already gone
  }
}

export async function startTemporalTlsProxy(options: TemporalTlsProxyOptions): Promise<TemporalTlsProxy> {
  const [key, cert, ca] = await Promise.all([fs.readFile(options.pki.serverKey), fs.readFile(options.pki.serverCert), fs.readFile(options.pki.caCert)]);
  const requests: ProxiedRequest[] = [];
  const handshakeErrors: string[] = [];
  const sockets = new Set<net.Socket>();
  let openUpstream = 0;

  // Certificates are always asked for, so that `clientCertSubject` shows what a client presented
  // even when the proxy does not insist on one.
  const server = http2.createSecureServer({ key, cert, ca, requestCert: true, rejectUnauthorized: options.requireClientCert, allowHTTP1: false });

  let upstream: http2.ClientHttp2Session | undefined;
  const upstreamSession = (): http2.ClientHttp2Session => {
    if (upstream && !upstream.closed && !upstream.destroyed) return upstream;
    const session = http2.connect(`http://${options.upstream}`);
    // Its streams see the same error and answer their callers; the next call reconnects.
    session.on('error', () => {});
    const forget = () => {
      if (upstream === session) upstream = undefined;
    };
    session.on('goaway', forget);
    session.on('close', forget);
    upstream = session;
    return session;
  };

  const forward = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
    let up: http2.ClientHttp2Stream;
    try {
      up = upstreamSession().request(copyHeaders(headers, [':method', ':path']));
    } catch (err) {
      refuse(stream, 14, `proxy: upstream ${options.upstream} unavailable: ${(err as Error).message}`);
      return;
    }
    openUpstream++;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let upstreamError: Error | undefined; // reported by 'close' below
    up.on('error', (err) => {
      upstreamError = err;
    });
    stream.pipe(up);

    up.on('response', (responseHeaders, flags) => {
      if (stream.destroyed) return;
      // Trailers-only response (how gRPC servers send most errors): grpc-status is in these
      // headers and no DATA or trailers follow.
      if (flags & NGHTTP2_FLAG_END_STREAM) {
        stream.respond(copyHeaders(responseHeaders, [':status']), { endStream: true });
        return;
      }
      stream.respond(copyHeaders(responseHeaders, [':status']), { waitForTrailers: true });
      up.pipe(stream);
    });
    // Upstream trailers arrive before its readable side ends, hence before the pipe ends the
    // downstream stream and 'wantTrailers' fires.
    up.on('trailers', (received) => {
      trailers = received;
    });
    stream.on('wantTrailers', () => {
      if (stream.destroyed) return;
      stream.sendTrailers(trailers ? copyHeaders(trailers) : { 'grpc-status': '13', 'grpc-message': 'proxy: upstream ended the call without trailers' });
    });

    // A caller's cancellation (RST_STREAM, or its connection dropping) must reach the server,
    // and a reset from the server must reach the caller; a long poll would otherwise hang on.
    stream.on('close', () => {
      if (!up.closed) up.close(NGHTTP2_CANCEL);
    });
    up.on('close', () => {
      openUpstream--;
      if (stream.closed || stream.destroyed) return;
      // UNAVAILABLE, as a gRPC client reports a server it cannot reach: both SDKs retry it.
      if (!stream.headersSent) refuse(stream, 14, `proxy: upstream ${options.upstream} failed: ${upstreamError?.message ?? `stream reset (HTTP/2 code ${up.rstCode})`}`);
      else if (up.rstCode !== NGHTTP2_NO_ERROR || upstreamError) stream.close(up.rstCode || NGHTTP2_INTERNAL_ERROR);
    });
  };

  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (err) => {
    handshakeErrors.push(err.message);
  });
  server.on('unknownProtocol', (socket) => {
    handshakeErrors.push('client did not negotiate h2 via ALPN');
    socket.destroy();
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {}); // resets by either side are expected; 'close' handles them
    const authorization = ([] as Array<string | undefined>).concat(headers.authorization)[0];
    requests.push({ path: String(headers[':path'] ?? ''), authorization, clientCertSubject: verifiedSubject(stream.session) });
    if (options.requireApiKey !== undefined && authorization !== `Bearer ${options.requireApiKey}`) {
      refuse(stream, 16, authorization === undefined ? 'proxy: no API key (authorization header missing)' : 'proxy: wrong API key');
      return;
    }
    forward(stream, headers);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    port,
    requests,
    handshakeErrors,
    openUpstreamStreams: () => openUpstream,
    async close() {
      // server.close() alone would wait for clients to hang up, and a worker's long polls don't.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      upstream?.destroy();
      await closed;
    },
  };
}
