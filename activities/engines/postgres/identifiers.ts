/** Quotes a PostgreSQL identifier; real schemas have names with capitals, spaces and quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
