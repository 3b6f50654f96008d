/**
 * Bulk loading through the `postgres` driver: COPY … FROM STDIN in PostgreSQL's text format,
 * streamed in chunks, so a million rows load in seconds instead of a million INSERT round trips.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';

const CHUNK_CHARS = 1 << 20;

function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

export async function copyRows(sql: postgres.Sql, table: string, columns: string[], rows: Iterable<unknown[]>): Promise<number> {
  let count = 0;
  function* chunks(): Generator<string> {
    let chunk = '';
    for (const row of rows) {
      chunk += `${row.map(field).join('\t')}\n`;
      count += 1;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  const target = await sql.unsafe(`COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`).writable();
  await pipeline(Readable.from(chunks()), target);
  return count;
}
