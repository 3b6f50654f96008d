import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { PsqlScriptGuard, psqlHasRestrict } from '../../activities/engines/postgres/psql-guard.js';

/** Runs `text` through a guard in chunks of the given sizes (cycled), as a stream would deliver it. */
async function guard(text: string, restrictMode: boolean, chunkSizes = [7, 1, 64, 3]): Promise<{ out: string; guard: PsqlScriptGuard }> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  const g = new PsqlScriptGuard(restrictMode);
  const out = await buffer(Readable.from(chunks).pipe(g));
  return { out: out.toString('utf8'), guard: g };
}

const DUMP = [
  '--',
  '-- PostgreSQL database dump',
  '\\restrict Dq1aR2sT3',
  "SET client_encoding = 'UTF8';",
  'CREATE TABLE public.t (id integer, note text);',
  'COPY public.t (id, note) FROM stdin;',
  '1\t\\\\! not a command: data',
  '2\tünïcode',
  '\\.',
  '\\connect -reuse-previous=on "dbname=\'shop\'"',
  'SELECT 1;',
  '\\unrestrict Dq1aR2sT3',
  '',
].join('\n');

describe('the psql script guard', () => {
  it('passes a pg_dump script byte for byte, minus its own \\restrict lines, whatever the chunking', async () => {
    for (const sizes of [[1], [2, 5], [4096], [13, 1, 1, 200]]) {
      const { out, guard: g } = await guard(DUMP, false, sizes);
      expect(out).toBe(DUMP.replace('\\restrict Dq1aR2sT3', '').replace('\\unrestrict Dq1aR2sT3', ''));
      expect(g.refused).toEqual([]);
      expect(g.programs).toEqual([]);
    }
  });

  it('in restricted mode, restricts the script under its own key and runs only a plain \\connect for it', async () => {
    const { out, guard: g } = await guard(DUMP, true);
    const key = /^\\restrict ([0-9a-f]{32})\n/.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(out).not.toContain('Dq1aR2sT3');
    expect(out).toContain(`\n\\unrestrict ${key}\n\\connect -reuse-previous=on "dbname='shop'"\n\\restrict ${key}\nSELECT 1;\n`);
    expect(out).toContain('1\t\\\\! not a command: data\n');
    expect(g.refused).toEqual([]);
  });

  it('records every other meta-command and COPY … PROGRAM with its line; without \\restrict it drops the meta-commands', async () => {
    const hostile = ['SELECT 1;', '\\! touch /tmp/owned', "\\o |sh -c 'id'", "COPY t FROM PROGRAM 'id';", '\\copy t from program \'id\'', '\\connect "host=evil.example dbname=x"', 'SELECT 2;', ''].join('\n');
    const restricted = await guard(hostile, true);
    expect(restricted.guard.refused).toEqual([
      { line: 2, what: '\\!' },
      { line: 3, what: '\\o' },
      { line: 5, what: '\\copy' },
      { line: 6, what: '\\connect' },
    ]);
    expect(restricted.guard.programs).toEqual([{ line: 4, what: 'COPY … PROGRAM' }]);
    // psql itself refuses them in restricted mode: they pass to be refused (and reported) there.
    expect(restricted.out).toContain('\\! touch /tmp/owned\n');

    const older = await guard(hostile, false);
    expect(older.out).toBe(['SELECT 1;', '', '', "COPY t FROM PROGRAM 'id';", '', '', 'SELECT 2;', ''].join('\n'));
  });

  it("runs pg_dump's \\encoding and odd-name \\connect for the dump, never a URI or a connection string", async () => {
    const lines = ['\\encoding SQL_ASCII', '\\connect -reuse-previous=on "dbname=\'o\\\'x\'"', '\\connect "postgresql://evil@%2Ftmp/x"', '\\connect "host=evil.example"', ''];
    const { out, guard: g } = await guard(lines.join('\n'), true);
    const key = /^\\restrict ([0-9a-f]{32})\n/.exec(out)![1];
    expect(out).toContain(`\\unrestrict ${key}\n\\encoding SQL_ASCII\n\\restrict ${key}\n`);
    expect(out).toContain(`\\unrestrict ${key}\n${lines[1]}\n\\restrict ${key}\n`);
    expect(g.refused.map((r) => r.line)).toEqual([3, 4]);
    // Left for restricted psql to refuse (and the drill to report): never run between our keys.
    expect(out).toContain(`\\restrict ${key}\n${lines[2]}\n${lines[3]}\n`);
  });

  it('knows which psql releases have \\restrict', () => {
    expect(['18.0', '17.6', '17.11', '16.10', '15.14', '15.18', '14.19', '13.22'].map(psqlHasRestrict)).toEqual([true, true, true, true, true, true, true, true]);
    expect(['17.5', '16.9', '15.13', '14.18', '12.22'].map(psqlHasRestrict)).toEqual([false, false, false, false, false]);
  });
});
