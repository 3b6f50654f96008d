/**
 * What a plain dump may make psql do. pg_dump's scripts use exactly four meta-commands:
 * `\restrict KEY` / `\unrestrict KEY` (since the 2025 security releases), `\connect DB` and
 * `\encoding` before it (pg_dumpall, `pg_dump --create`). Anything else — `\!`, `\o |cmd`, `\copy … program`, `\i file`,
 * `\gexec` — would run commands or read files on the restoring host, so it is not allowed to run.
 *
 * Where psql has `\restrict` (14.19, 15.14, 16.10, 17.6, 18 and newer), the script is restored in
 * restricted mode under a key of ours: psql itself then refuses every backslash command, wherever
 * on a line it stands. The dump's own `\restrict`/`\unrestrict` lines are dropped (a dump must not
 * lift our restriction), and a `\connect` to a database on the same server (and pg_dump's
 * `\encoding`) is run for it between an `\unrestrict` and a `\restrict` of our key. Whether a dump
 * tried anything else is psql's judgement (its refusals), not this filter's: only psql knows where
 * strings and COPY data really are. An older psql gets the same lines refused by this
 * filter, which sees meta-commands at the start of a line only; the sandbox jail is what contains
 * the rest. Meta-commands, `COPY … PROGRAM` statements and C functions bound to libc's process
 * functions are recorded, so the drill can say what the backup tried. COPY data (up to `\.`) passes untouched.
 */
import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { compareVersions } from '../mysql/servers.js';

/** The first release of each major whose psql has \restrict. */
const RESTRICT_SINCE: Record<number, string> = { 13: '13.22', 14: '14.19', 15: '15.14', 16: '16.10', 17: '17.6' };

export function psqlHasRestrict(version: string): boolean {
  const major = Number(version.split('.')[0]);
  if (major >= 18) return true;
  const since = RESTRICT_SINCE[major];
  return since !== undefined && compareVersions(version, since) >= 0;
}

/** What psql prints for each backslash command it refuses in restricted mode. */
export const RESTRICTED_REFUSAL = /backslash commands are restricted|\\unrestrict: wrong key/;

export interface RefusedCommand {
  line: number;
  what: string;
}

const DANGEROUS_SYMBOLS = new Set(['system', 'popen', 'execl', 'execlp', 'execle', 'execv', 'execvp', 'execve', 'fork', 'posix_spawn', 'dlopen']);
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const OWN_RESTRICT = /^\\(?:un)?restrict\s+[A-Za-z0-9]+\s*$/;
/** pg_dump sets the client encoding this way before a \connect to a database with an unusual name. */
const OWN_ENCODING = /^\\encoding\s+[A-Za-z0-9_]+\s*$/;
/**
 * `\connect db`, `\connect "db"`, or pg_dump's `\connect -reuse-previous=on "dbname='db'"` (with
 * \' and \\ escapes): a database on the same server. An argument with `=` in it, or a postgres://
 * URI, is a connection string (another host, another user).
 */
const PLAIN_CONNECT = /^\\connect\s+(?:-reuse-previous=on\s+)?(?:"dbname='(?:[^'"\\]|\\['\\])+'"|"(?!postgres(?:ql)?:\/\/)[^"\\=]+"|[A-Za-z0-9_$.-]+)\s*$/;
/** A C function's body as pg_dump writes it: `    AS 'library', 'symbol'` (or dollar-quoted). */
const C_FUNCTION_BODY = /^\s*AS\s+(?:'([^']+)'|\$\$([^$]+)\$\$)\s*,\s*(?:'([^']+)'|\$\$([^$]+)\$\$)/i;

export class PsqlScriptGuard extends Transform {
  readonly refused: RefusedCommand[] = [];
  readonly programs: RefusedCommand[] = [];
  private readonly key = randomBytes(16).toString('hex');
  private carry: Buffer[] = [];
  private lineNumber = 0;
  private inCopyData = false;
  private started = false;

  constructor(readonly restrictMode: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.started) {
      this.started = true;
      if (this.restrictMode) this.push(`\\restrict ${this.key}\n`);
    }
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (newline < 0) {
      this.carry.push(chunk);
      callback();
      return;
    }
    const out: Buffer[] = [];
    let passFrom = 0;
    while (newline >= 0) {
      const line = start === 0 && this.carry.length > 0 ? Buffer.concat([...this.carry, chunk.subarray(0, newline)]) : chunk.subarray(start, newline);
      const replacement = this.judge(line);
      if (replacement !== undefined) {
        if (start === 0 && this.carry.length > 0) this.carry = [];
        else out.push(chunk.subarray(passFrom, start));
        out.push(Buffer.from(`${replacement}\n`, 'latin1'));
        passFrom = newline + 1;
      } else if (start === 0 && this.carry.length > 0) {
        out.push(...this.carry);
        this.carry = [];
      }
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    out.push(chunk.subarray(passFrom, start));
    if (start < chunk.length) this.carry = [chunk.subarray(start)];
    callback(null, Buffer.concat(out));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.started && this.restrictMode) this.push(`\\restrict ${this.key}\n`);
    if (this.carry.length === 0) {
      callback();
      return;
    }
    const line = Buffer.concat(this.carry);
    this.carry = [];
    const replacement = this.judge(line);
    callback(null, replacement !== undefined ? Buffer.from(replacement, 'latin1') : line);
  }

  /** undefined: the line passes as it is; otherwise what replaces it (one line, or our wrapping). */
  private judge(line: Buffer): string | undefined {
    this.lineNumber += 1;
    if (line[0] === BACKSLASH) {
      // pg_dump's own forms are handled wherever they stand: COPY data escapes every backslash, so
      // no data line looks like them.
      const text = line.toString('latin1').replace(/\r$/, '');
      if (OWN_RESTRICT.test(text)) return '';
      if (PLAIN_CONNECT.test(text) || OWN_ENCODING.test(text)) return this.restrictMode ? `\\unrestrict ${this.key}\n${text.trim()}\n\\restrict ${this.key}` : undefined;
      if (this.inCopyData) {
        if (/^\\\.\s*$/.test(text)) this.inCopyData = false;
        return undefined;
      }
      // Named for the verdict; restricted psql refuses it itself (and says so), an older one never sees it.
      this.refused.push({ line: this.lineNumber, what: text.split(/\s/)[0]!.slice(0, 20) });
      return this.restrictMode ? undefined : '';
    }
    if (this.inCopyData) return undefined;
    if (line.subarray(0, 5).toString('latin1').toUpperCase() === 'COPY ') {
      const text = line.toString('latin1');
      if (/\b(?:FROM|TO)\s+PROGRAM\b/i.test(text)) this.programs.push({ line: this.lineNumber, what: 'COPY … PROGRAM' });
      else if (/\bFROM\s+stdin\s*;\s*$/i.test(text)) this.inCopyData = true;
      return undefined;
    }
    if (line.length < 4096 && line.indexOf('AS') >= 0) {
      // Libraries under $libdir are what extensions and builds install; libc's process functions are an attack.
      const body = C_FUNCTION_BODY.exec(line.toString('latin1'));
      const library = body?.[1] ?? body?.[2];
      const symbol = body?.[3] ?? body?.[4];
      if (library && symbol && (DANGEROUS_SYMBOLS.has(symbol) || /(^|\/)libc\.so/.test(library))) this.programs.push({ line: this.lineNumber, what: `a C function bound to ${library.split('/').at(-1)}'s ${symbol}()` });
    }
    return undefined;
  }
}
