/**
 * What a MySQL/MariaDB dump tries beyond loading data. mysqldump and mariadb-dump never write the
 * client's own commands (`\!`, `system`, `source`, `tee`) nor statements that reach files
 * (`LOAD DATA`, `SELECT … INTO OUTFILE`, `SELECT LOAD_FILE(…)`): a dump that has them was made
 * or altered to attack whatever restores it. They cannot act (the client runs them in binary and
 * sandbox mode, the server's file statements reach only its secure-file-priv folder, both run
 * jailed); this records them by line so the drill can say what the backup tried. Statements are
 * recognised at the start of a line, where dump tools put them; data passes through untouched.
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface AttemptedCommand {
  line: number;
  what: string;
}

const NEWLINE = 0x0a;
const CLIENT_COMMAND = /^(?:\\[!.T]|(?:system|source|tee)\s)/i;
const FILE_STATEMENT = /^(?:LOAD\s+DATA\b|LOAD\s+XML\b|SELECT\b.*\b(?:INTO\s+(?:OUT|DUMP)FILE\b|LOAD_FILE\s*\())/i;
/** First bytes of every line worth reading whole: `\`, s/S (system, source, SELECT), t/T (tee), l/L (LOAD). */
const INTERESTING_FIRST_BYTES = new Set([0x5c, 0x73, 0x53, 0x74, 0x54, 0x6c, 0x4c]);

export class MysqlScriptGuard extends Transform {
  readonly attempts: AttemptedCommand[] = [];
  private lineNumber = 0;
  private lineStart = true;
  /** The current line's first bytes, when its first byte makes it worth judging. */
  private pendingHead: Buffer[] | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.lineStart) {
        this.lineNumber += 1;
        this.lineStart = false;
        this.pendingHead = INTERESTING_FIRST_BYTES.has(chunk[at]!) ? [] : undefined;
      }
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline < 0 ? chunk.length : newline;
      // Only the first 200 bytes of a line are kept to judge it: INSERT lines can be megabytes.
      if (this.pendingHead && headLength(this.pendingHead) < 200) this.pendingHead.push(chunk.subarray(at, Math.min(end, at + 200)));
      if (newline < 0) break;
      if (this.pendingHead) this.judge(Buffer.concat(this.pendingHead).toString('latin1'));
      this.lineStart = true;
      at = newline + 1;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.lineStart && this.pendingHead) this.judge(Buffer.concat(this.pendingHead).toString('latin1'));
    callback();
  }

  private judge(head: string): void {
    const text = head.trimStart();
    if (CLIENT_COMMAND.test(text)) this.attempts.push({ line: this.lineNumber, what: `the client command ${text.split(/\s/)[0]!.slice(0, 12)}` });
    else if (FILE_STATEMENT.test(text)) this.attempts.push({ line: this.lineNumber, what: /^LOAD/i.test(text) ? 'LOAD DATA' : /LOAD_FILE/i.test(text) ? 'LOAD_FILE()' : 'SELECT … INTO OUTFILE' });
  }
}

function headLength(parts: Buffer[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}
