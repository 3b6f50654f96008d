/**
 * A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed by mailparser
 * the way a mail client would read it. Without TLS (the "none" security of a loopback relay), with
 * optional AUTH PLAIN/LOGIN against one username and password, and with switches to refuse
 * recipients (550) or the message (any code at DATA), so senders' error handling meets real replies.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpReceiverOptions {
  /** Require AUTH PLAIN or LOGIN with exactly these; a wrong pair is answered 535. */
  auth?: { username: string; password: string };
  /** RCPT TO for these addresses is answered 550 (mailbox unavailable). */
  rejectRecipients?: string[];
  /** DATA is answered with this instead of being accepted (e.g. 451 for a temporary failure). */
  rejectData?: { code: number; message: string };
}

export interface ReceivedEmail {
  subject: string;
  text: string;
  /** The From header's address. */
  from: string;
  /** The To header's addresses. */
  to: string[];
  /** Header names lower-cased, values as written (unfolded). */
  headers: Record<string, string>;
  messageId: string;
  envelope: { from: string; to: string[] };
  /** The login the session used, or null for an unauthenticated session. */
  auth: { method: string; username: string } | null;
  raw: string;
}

export interface AuthAttempt {
  method: string;
  username: string;
  accepted: boolean;
}

export interface SmtpReceiver {
  host: string;
  port: number;
  messages: ReceivedEmail[];
  authAttempts: AuthAttempt[];
  /** Changes how the server answers from the next command on. */
  configure(options: Partial<Omit<SmtpReceiverOptions, 'auth'>>): void;
  waitForMessage(predicate?: (message: ReceivedEmail) => boolean, timeoutMs?: number): Promise<ReceivedEmail>;
  stop(): Promise<void>;
}

function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpReceiver(initial: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const options: SmtpReceiverOptions = { ...initial };
  const messages: ReceivedEmail[] = [];
  const authAttempts: AuthAttempt[] = [];
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    // STARTTLS would use smtp-server's published test key; loopback tests speak plain SMTP.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      const accepted = !!expected && auth.username === expected.username && auth.password === expected.password;
      authAttempts.push({ method: auth.method, username: auth.username ?? '', accepted });
      if (!accepted) return callback(replyError(535, 'Authentication credentials invalid'));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.includes(address.address)) return callback(replyError(550, `Mailbox unavailable: ${address.address}`));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (options.rejectData) return callback(replyError(options.rejectData.code, options.rejectData.message));
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            const headers: Record<string, string> = {};
            for (const { key, line } of parsed.headerLines) headers[key.toLowerCase()] = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            const toObjects = ([] as AddressObject[]).concat(parsed.to ?? []);
            const envelopeFrom = session.envelope.mailFrom;
            messages.push({
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              from: parsed.from?.value[0]?.address ?? '',
              to: toObjects.flatMap((o) => o.value.map((v) => v.address ?? '')),
              headers,
              messageId: parsed.messageId ?? '',
              envelope: { from: envelopeFrom ? envelopeFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
              auth: session.user ? { method: authAttempts.findLast((a) => a.accepted)?.method ?? '', username: String(session.user) } : null,
              raw,
            });
            for (const wake of waiters) wake();
            callback(null, 'Message queued as test-' + messages.length);
          })
          .catch((err: Error) => callback(replyError(554, `unparseable message: ${err.message}`)));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    authAttempts,
    configure(next) {
      Object.assign(options, next);
    },
    waitForMessage(predicate = () => true, timeoutMs = 10_000) {
      return new Promise<ReceivedEmail>((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching email within ${timeoutMs}ms (received ${messages.length}: ${messages.map((m) => JSON.stringify(m.subject)).join(', ') || 'none'})`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    stop() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
