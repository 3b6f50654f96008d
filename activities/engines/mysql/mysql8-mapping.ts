/**
 * Restoring a MySQL 8 dump into MariaDB. MySQL 8's database-encryption clause is dropped (MariaDB
 * before 11 reads it as a syntax error; encryption at rest is not part of the data). Any of MySQL
 * 8's utf8mb4_0900_* collations the server lacks (all of them before MariaDB 11.4, some
 * language-specific ones after) becomes `utf8mb4_bin` in schema statements on their way to the
 * client. Binary comparison tells apart every pair of strings the original collation did, so no
 * unique key that held in production can collide here (a looser mapping could turn a sound dump
 * into duplicate-key "errors"); what changes is how assertions compare and sort text, and the
 * producer check says so. Data lines (INSERT) are passed through untouched.
 */
import { Transform, type TransformCallback } from 'node:stream';

export const MAPPED_COLLATION = 'utf8mb4_bin';
/** Every MySQL 8 UCA 9.0 collation: utf8mb4_0900_ai_ci, utf8mb4_es_trad_0900_ai_ci, utf8mb4_ja_0900_as_cs_ks, … */
const MYSQL8_COLLATION = /\butf8mb4_(?:[a-z]+_)*0900_[a-z_]+\b/g;
/** MySQL 8's database encryption clause. */
const ENCRYPTION_CLAUSE = /\/\*!80016 DEFAULT ENCRYPTION='[NY]' \*\//g;

export function usesMysql8Collations(text: string): string | undefined {
  return new RegExp(MYSQL8_COLLATION.source).exec(text)?.[0];
}

export class Mysql8ForMariadb extends Transform {
  /** The current line's bytes so far: a long INSERT line waits here without being copied per chunk. */
  private carry: Buffer[] = [];
  /** Collations of the dump the server did not have, in the order first met. */
  readonly mapped = new Set<string>();

  /** `serverCollations`: the MySQL 8 collations this server has (lower case), kept as they are. */
  constructor(private readonly serverCollations: ReadonlySet<string>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      this.carry.push(chunk);
      callback();
      return;
    }
    const complete = this.carry.length > 0 ? Buffer.concat([...this.carry, chunk.subarray(0, lastNewline + 1)]) : chunk.subarray(0, lastNewline + 1);
    this.carry = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    callback(null, this.mapLines(complete));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.carry.length > 0 ? this.mapLines(Buffer.concat(this.carry)) : undefined);
  }

  /** latin1 keeps every byte as it is; the patterns are ASCII. */
  private mapLines(bytes: Buffer): Buffer {
    if (bytes.indexOf('0900_') < 0 && bytes.indexOf('80016') < 0) return bytes;
    const mapCollation = (name: string) => {
      if (this.serverCollations.has(name.toLowerCase())) return name;
      this.mapped.add(name);
      return MAPPED_COLLATION;
    };
    const mapped = bytes
      .toString('latin1')
      .split('\n')
      .map((line) => (line.startsWith('INSERT INTO') ? line : line.replace(MYSQL8_COLLATION, mapCollation).replace(ENCRYPTION_CLAUSE, '')))
      .join('\n');
    return Buffer.from(mapped, 'latin1');
  }
}
