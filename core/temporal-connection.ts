/**
 * How every process (worker, API, CLI) connects to Temporal: plain on a developer machine, TLS
 * (optionally with a client certificate, mTLS) and/or an API key where the server requires them.
 * The variables are the ones Temporal's own CLI reads, so one environment serves both:
 *
 *   TEMPORAL_TLS=true                         TLS with the system's trusted CAs
 *   TEMPORAL_TLS_SERVER_CA_CERT_PATH=ca.pem   …trusting this CA instead (implies TLS)
 *   TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH   mTLS client certificate (implies TLS)
 *   TEMPORAL_TLS_SERVER_NAME                  the name the server's certificate carries, when the address is not it
 *   TEMPORAL_API_KEY_FILE (or TEMPORAL_API_KEY)  sent as `Authorization: Bearer …` (implies TLS unless TEMPORAL_TLS=false)
 */
import fs from 'node:fs';
import { isLoopbackHost } from './config.js';

export interface TemporalTls {
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverNameOverride?: string;
}

export interface TemporalConnectionSettings {
  address: string;
  /** Undefined: plain gRPC. */
  tls?: TemporalTls;
  apiKey?: string;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

export function temporalConnectionSettings(address: string, env: NodeJS.ProcessEnv = process.env): TemporalConnectionSettings {
  const caPath = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH?.trim();
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH?.trim();
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH?.trim();
  const serverName = env.TEMPORAL_TLS_SERVER_NAME?.trim();
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new Error('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both (a client certificate and its key) or neither');
  }
  const apiKey = readApiKey(env);
  const tlsSetting = env.TEMPORAL_TLS?.trim() ?? '';
  if (tlsSetting && !TRUE.test(tlsSetting) && !FALSE.test(tlsSetting)) throw new Error(`TEMPORAL_TLS must be true or false, got "${tlsSetting}"`);
  const wantsTls = TRUE.test(tlsSetting) || Boolean(caPath || certPath || serverName) || (apiKey !== undefined && !FALSE.test(tlsSetting));
  if (FALSE.test(tlsSetting) && (caPath || certPath || serverName)) throw new Error('TEMPORAL_TLS=false contradicts the TLS variables that are set (TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_SERVER_NAME)');
  if (FALSE.test(tlsSetting) && apiKey !== undefined && !isLoopbackHost(address.replace(/:\d+$/, ''))) {
    throw new Error(`TEMPORAL_TLS=false would send the API key unencrypted to ${address}: use TLS, or a server on loopback`);
  }
  const settings: TemporalConnectionSettings = { address };
  if (wantsTls) {
    settings.tls = {
      ...(caPath ? { serverRootCACertificate: readPem('TEMPORAL_TLS_SERVER_CA_CERT_PATH', caPath) } : {}),
      ...(certPath && keyPath ? { clientCertPair: { crt: readPem('TEMPORAL_TLS_CLIENT_CERT_PATH', certPath), key: readPem('TEMPORAL_TLS_CLIENT_KEY_PATH', keyPath) } } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
    };
  }
  if (apiKey !== undefined) settings.apiKey = apiKey;
  return settings;
}

/** For start-up banners and `drill doctor`: how the connection is secured, never the secrets. */
export function describeTemporalSecurity(settings: TemporalConnectionSettings): string {
  if (!settings.tls) return settings.apiKey ? 'plain gRPC with an API key' : 'plain gRPC (no TLS)';
  const parts = [settings.tls.clientCertPair ? 'mTLS (client certificate)' : 'TLS', settings.tls.serverRootCACertificate ? 'a private CA' : 'system CAs'];
  if (settings.tls.serverNameOverride) parts.push(`server name ${settings.tls.serverNameOverride}`);
  if (settings.apiKey) parts.push('API key');
  return parts.join(', ');
}

function readApiKey(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.TEMPORAL_API_KEY_FILE?.trim();
  if (file) {
    let key: string;
    try {
      key = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new Error(`TEMPORAL_API_KEY_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!key) throw new Error(`TEMPORAL_API_KEY_FILE: ${file} is empty`);
    return key;
  }
  const key = env.TEMPORAL_API_KEY?.trim();
  return key || undefined;
}

function readPem(variable: string, file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!bytes.toString('utf8').includes('-----BEGIN ')) throw new Error(`${variable}: ${file} is not a PEM file (no "-----BEGIN …" line)`);
  return bytes;
}

/**
 * Why a connection failed, in one line: the SDKs put the telling part (UNAUTHENTICATED, a
 * certificate error) in the error's cause, and grpc-js says only "Failed to connect before the
 * deadline" when TLS itself failed.
 */
export function connectFailure(settings: TemporalConnectionSettings, err: unknown): string {
  const reasons: string[] = [];
  for (let at: unknown = err; at instanceof Error && reasons.length < 4; at = at.cause) {
    const line = at.message.split('\n')[0]!.trim();
    if (line && !reasons.includes(line)) reasons.push(line);
  }
  const why = reasons.join(': ') || String(err);
  if (/UNAUTHENTICATED|PERMISSION_DENIED/i.test(why)) return `${why} (check TEMPORAL_API_KEY_FILE, or the client certificate's permissions)`;
  if (settings.tls && /deadline|certificate|handshake|tls|ssl|transport/i.test(why)) {
    return `${why} (a TLS handshake failure shows up like this: check TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME and the client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH/_KEY_PATH)`;
  }
  return why;
}
