/**
 * Restoring a MySQL 8 dump into a MariaDB older than 11.4, which has none of MySQL 8's
 * utf8mb4_0900_* collations: the dump's schema statements get `utf8mb4_bin` instead, on their way
 * to the client. Binary comparison tells apart every pair of strings the original collation did,
 * so no unique key that held in production can collide here (a looser mapping could turn a sound
 * dump into duplicate-key "errors"); what changes is how assertions compare and sort text, and
 * the producer check says so. Data lines (INSERT) are passed through untouched.
 */
import { Transform, type TransformCallback } from 'node:stream';

export const MAPPED_COLLATION = 'utf8mb4_bin';
const MYSQL8_COLLATION = /\butf8mb4_(?:[a-z]{2,3}_)*0900_(?:ai_ci|as_ci|as_cs|bin)\b/g;
/** MySQL 8's database encryption clause, which MariaDB parses as a syntax error. */
const ENCRYPTION_CLAUSE = /\/\*!80016 DEFAULT ENCRYPTION='[NY]' \*\//g;

export function usesMysql8Collations(text: string): string | undefined {
  return /\butf8mb4_(?:[a-z]{2,3}_)*0900_(?:ai_ci|as_ci|as_cs|bin)\b/.exec(text)?.[0];
}

export class Mysql8CollationMapping extends Transform {
  private carry: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      this.carry = Buffer.from(bytes);
      callback();
      return;
    }
    this.carry = Buffer.from(bytes.subarray(lastNewline + 1));
    callback(null, mapLines(bytes.subarray(0, lastNewline + 1)));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.carry.length > 0 ? mapLines(this.carry) : undefined);
  }
}

/** latin1 keeps every byte as it is; the patterns are ASCII. */
function mapLines(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  if (!text.includes('0900_') && !text.includes('80016')) return bytes;
  const mapped = text
    .split('\n')
    .map((line) => (line.startsWith('INSERT INTO') ? line : line.replace(MYSQL8_COLLATION, MAPPED_COLLATION).replace(ENCRYPTION_CLAUSE, '')))
    .join('\n');
  return Buffer.from(mapped, 'latin1');
}
