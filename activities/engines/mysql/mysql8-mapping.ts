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
/** Every MySQL 8 UCA 9.0 collation: utf8mb4_0900_ai_ci, utf8mb4_es_trad_0900_ai_ci, utf8mb4_ja_0900_as_cs_ks, … */
const MYSQL8_COLLATION = /\butf8mb4_(?:[a-z]+_)*0900_[a-z_]+\b/g;
/** MySQL 8's database encryption clause, which MariaDB parses as a syntax error. */
const ENCRYPTION_CLAUSE = /\/\*!80016 DEFAULT ENCRYPTION='[NY]' \*\//g;

export function usesMysql8Collations(text: string): string | undefined {
  return new RegExp(MYSQL8_COLLATION.source).exec(text)?.[0];
}

export class Mysql8CollationMapping extends Transform {
  /** The current line's bytes so far: a long INSERT line waits here without being copied per chunk. */
  private carry: Buffer[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      this.carry.push(chunk);
      callback();
      return;
    }
    const complete = this.carry.length > 0 ? Buffer.concat([...this.carry, chunk.subarray(0, lastNewline + 1)]) : chunk.subarray(0, lastNewline + 1);
    this.carry = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    callback(null, mapLines(complete));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.carry.length > 0 ? mapLines(Buffer.concat(this.carry)) : undefined);
  }
}

/** latin1 keeps every byte as it is; the patterns are ASCII. */
function mapLines(bytes: Buffer): Buffer {
  if (bytes.indexOf('0900_') < 0 && bytes.indexOf('80016') < 0) return bytes;
  const mapped = bytes
    .toString('latin1')
    .split('\n')
    .map((line) => (line.startsWith('INSERT INTO') ? line : line.replace(MYSQL8_COLLATION, MAPPED_COLLATION).replace(ENCRYPTION_CLAUSE, '')))
    .join('\n');
  return Buffer.from(mapped, 'latin1');
}
