/**
 * Email over SMTP with nodemailer: one connection per message (alerts are rare; a pool would hold
 * sockets open for nothing), plain text only, and a Message-ID derived from the event id so that
 * a retried delivery of the same event is recognisable as a duplicate by people and filters.
 */
import nodemailer from 'nodemailer';
import type { ChannelConfig } from '../../core/notify.js';
import { NotifyError, type Notifier, type OutgoingMessage } from './channel.js';

type EmailChannel = Extract<ChannelConfig, { kind: 'email' }>;

/** Connecting, the greeting and every later wait on the socket; nodemailer's defaults reach 10 minutes. */
export const SMTP_TIMEOUT_MS = 30_000;

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  permanent?: boolean;
  rejected?: string[];
  timeoutType?: string;
  originalCode?: string;
}

export const emailNotifier: Notifier<EmailChannel> = {
  kind: 'email',
  async send(config, message, context) {
    const { host, port, security, credential } = config.smtp;
    const login = credential ? await context.credentials.resolve(credential, 'smtp', { purpose: context.purpose }) : undefined;
    const transport = nodemailer.createTransport({
      host,
      port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      // The config schema allows "none" only towards a relay on this host.
      ignoreTLS: security === 'none',
      ...(login ? { auth: { user: login.username, pass: login.password } } : {}),
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
      dnsTimeout: SMTP_TIMEOUT_MS,
      logger: false,
    });
    try {
      const info = await transport.sendMail({ ...mailFields(config, message), signal: context.signal });
      const rejected = info.rejected.map(String);
      return { detail: `${info.response.trim()}${rejected.length ? ` (rejected: ${rejected.join(', ')})` : ''}` };
    } catch (err) {
      throw smtpError(err as Error & SmtpFailure, { server: `${host}:${port}`, security, username: login?.username, secrets: login ? [login.password] : [], cancelled: context.signal.aborted });
    } finally {
      transport.close();
    }
  },
};

function mailFields(config: EmailChannel, message: OutgoingMessage) {
  const { facts } = message;
  return {
    from: config.from,
    to: config.to,
    subject: message.subject,
    text: message.text,
    messageId: `<restore-drill.${facts.eventId.replace(/[^A-Za-z0-9._-]/g, '-')}@${config.from.split('@').pop()}>`,
    headers: {
      'X-Restore-Drill-Event': facts.kind,
      'X-Restore-Drill-Event-Id': facts.eventId,
      // RFC 3834: keeps vacation responders and ticket systems from answering an alert.
      'Auto-Submitted': 'auto-generated',
    },
  };
}

interface FailureContext {
  server: string;
  security: string;
  username: string | undefined;
  secrets: string[];
  cancelled: boolean;
}

function smtpError(err: Error & SmtpFailure, at: FailureContext): NotifyError {
  const scrub = (text: string) => at.secrets.reduce((t, secret) => (secret ? t.split(secret).join('…') : t), text);
  const reply = err.response ? ` (${scrub(oneLine(err.response)).slice(0, 300)})` : err.responseCode ? ` (SMTP ${err.responseCode})` : '';
  const where = `the SMTP server ${at.server}`;
  if (at.cancelled || err.code === 'EABORT') return new NotifyError(`sending mail via ${where} was cancelled`, false);
  switch (err.code) {
    case 'EAUTH':
      return new NotifyError(`${where} refused the login of user "${at.username ?? ''}"${reply}: check the smtp credential in the vault`, err.responseCode === undefined || err.responseCode >= 500);
    case 'ENOAUTH':
      return new NotifyError(`${where} requires a login: set the channel's smtp.credential to a vault smtp credential`, true);
    case 'EENVELOPE':
      return new NotifyError(`${where} rejected ${err.rejected?.length ? `the recipient(s) ${err.rejected.join(', ')}` : 'the sender or recipients'}${reply}`, err.responseCode === undefined || err.responseCode >= 500);
    case 'ETLS':
      return new NotifyError(`${where} did not complete TLS${at.security === 'starttls' ? ' (security "starttls" requires the server to offer STARTTLS)' : ''}${reply}`, err.responseCode !== undefined && err.responseCode >= 500);
    case 'ETIMEDOUT':
      return new NotifyError(`${where} did not answer within ${SMTP_TIMEOUT_MS / 1000}s${err.timeoutType ? ` (${err.timeoutType.toLowerCase().replace(/_/g, ' ')})` : ''}`, false);
    case 'EDNS':
      return new NotifyError(`${where}: the host name could not be resolved`, false);
  }
  if (err.responseCode !== undefined) {
    const permanent = err.permanent ?? (err.responseCode >= 500 && err.responseCode !== 503);
    return new NotifyError(`${where} ${permanent ? 'refused' : 'temporarily refused'} the message${err.command ? ` at ${err.command}` : ''}${reply}`, permanent);
  }
  const cause = err.originalCode ?? err.code;
  if (cause === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new NotifyError(`${where} does not start TLS on connect (${cause}): security "tls" is implicit TLS (usually port 465); a server on port 587 needs "starttls"`, true);
  }
  // A certificate can be renewed while retries are still running, so this is worth retrying.
  if (cause && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(cause)) return new NotifyError(`${where} presented a TLS certificate that is not trusted (${cause})`, false);
  return new NotifyError(`could not talk to ${where}: ${cause === 'ECONNREFUSED' ? 'connection refused' : 'connection failed'}${cause ? ` (${cause})` : ''}`, false);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
