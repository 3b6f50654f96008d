/**
 * What a MySQL/MariaDB dump tries beyond loading data. mysqldump and mariadb-dump never write the
 * client's own commands (`\!`, `system`, `source`, `tee`) nor statements that reach files
 * (`LOAD DATA`, `SELECT … INTO OUTFILE`, `SELECT LOAD_FILE(…)`): a dump that has them was made
 * or altered to attack whatever restores it. They cannot act (the client runs them in binary and
 * sandbox mode, the server's file statements reach only its secure-file-priv folder, both run
 * jailed); this records them by line so the drill can say what the backup tried. Statements are
 * recognised at the start of a line, where dump tools put them. INSERT lines are data, and routine
 * and trigger bodies (between `DELIMITER ;;` and `DELIMITER ;`) are definitions, not run: neither
 * is judged. Everything passes through untouched.
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface AttemptedCommand {
  line: number;
  what: string;
}

const NEWLINE = 0x0a;
/** Enough of a line to judge it: INSERT lines can be megabytes. */
const HEAD_BYTES = 256;
const CLIENT_COMMAND = /^(?:\\[!.T]|(?:system|source|tee)\s)/i;
const FILE_STATEMENT = /^\(?\s*(?:LOAD\s+(?:DATA|XML)\b|(?:SELECT|UPDATE|SET|DO)\b.*(?:\bINTO\s+(?:OUT|DUMP)FILE\b|\bLOAD_FILE\s*\())/i;
const DELIMITER = /^DELIMITER\s+(\S+)/i;

export class MysqlScriptGuard extends Transform {
  readonly attempts: AttemptedCommand[] = [];
  private lineNumber = 0;
  private head: Buffer[] = [];
  private headLength = 0;
  private inRoutineBody = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline < 0 ? chunk.length : newline;
      if (this.headLength < HEAD_BYTES) {
        const part = chunk.subarray(at, Math.min(end, at + HEAD_BYTES - this.headLength));
        this.head.push(part);
        this.headLength += part.length;
      }
      if (newline < 0) break;
      this.endLine();
      at = newline + 1;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.headLength > 0) this.endLine();
    callback();
  }

  private endLine(): void {
    this.lineNumber += 1;
    const text = Buffer.concat(this.head).toString('latin1').trimStart();
    this.head = [];
    this.headLength = 0;
    const delimiter = DELIMITER.exec(text);
    if (delimiter) {
      this.inRoutineBody = delimiter[1] !== ';';
      return;
    }
    if (this.inRoutineBody) return;
    if (CLIENT_COMMAND.test(text)) this.attempts.push({ line: this.lineNumber, what: `the client command ${text.split(/\s/)[0]!.slice(0, 12)}` });
    else if (FILE_STATEMENT.test(text)) this.attempts.push({ line: this.lineNumber, what: /^\(?\s*LOAD/i.test(text) ? 'LOAD DATA' : /LOAD_FILE/i.test(text) ? 'LOAD_FILE()' : 'SELECT … INTO OUTFILE' });
  }
}
