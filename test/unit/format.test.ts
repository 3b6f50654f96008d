import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sniffPostgresBackup } from '../../activities/engines/postgres/format.js';

describe('sniffPostgresBackup', () => {
  it('recognises pg_dump formats by content', () => {
    expect(sniffPostgresBackup(Buffer.from('PGDMP\x01\x0e\x00'))).toEqual({ kind: 'postgres', format: 'custom', compression: 'none' });
    expect(sniffPostgresBackup(Buffer.from('--\n-- PostgreSQL database dump\n--\n'))).toEqual({ kind: 'postgres', format: 'plain', compression: 'none' });
    expect(sniffPostgresBackup(Buffer.from('\\restrict abc\nSET statement_timeout = 0;\n'))).toEqual({ kind: 'postgres', format: 'plain', compression: 'none' });
    expect(sniffPostgresBackup(gzipSync('PGDMP\x01\x0e'))).toEqual({ kind: 'postgres', format: 'custom', compression: 'gzip' });
  });

  it('recognises a pg_dump tar archive by its first member', () => {
    const header = Buffer.alloc(1024);
    header.write('toc.dat', 0, 'latin1');
    header.write('ustar', 257, 'latin1');
    expect(sniffPostgresBackup(header)).toEqual({ kind: 'postgres', format: 'tar', compression: 'none' });
    const otherTar = Buffer.alloc(1024);
    otherTar.write('etc/passwd', 0, 'latin1');
    otherTar.write('ustar', 257, 'latin1');
    expect(sniffPostgresBackup(otherTar).kind).toBe('foreign');
  });

  it('reads the beginning of a gzip stream that is cut off', () => {
    const compressed = gzipSync(Buffer.concat([Buffer.from('-- PostgreSQL database dump\n'), Buffer.alloc(200_000, 'x')]));
    expect(sniffPostgresBackup(compressed.subarray(0, 200))).toMatchObject({ kind: 'postgres', format: 'plain', compression: 'gzip' });
  });

  it.each([
    ['', /empty file/],
    ['<!DOCTYPE html><html><body>Not Found</body></html>', /HTML/],
    ['{"error":"AccessDenied"}', /JSON/],
    ['-- MySQL dump 10.13  Distrib 8.0.36\n', /MySQL\/MariaDB/],
    ['Hello, this is a README\n', /does not start like SQL/],
  ])('explains what %j is instead', (content, description) => {
    const sniffed = sniffPostgresBackup(Buffer.from(content));
    expect(sniffed.kind).toBe('foreign');
    expect(sniffed.kind === 'foreign' && sniffed.description).toMatch(description);
  });

  it('names other compressions it cannot read yet', () => {
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]);
    const sniffed = sniffPostgresBackup(zstd);
    expect(sniffed.kind === 'foreign' && sniffed.description).toMatch(/zstd-compressed/);
    const binary = Buffer.from([0x00, 0x01, 0x02, 0x03, 0x00]);
    expect(sniffPostgresBackup(binary)).toMatchObject({ kind: 'foreign' });
  });
});

describe('plain dump completeness', () => {
  it('accepts pg_dump\'s trailer at the end, with \\unrestrict after it', async () => {
    const { endsWithTrailer } = await import('../../activities/engines/postgres/restore.js');
    const head = '--\n-- PostgreSQL database dump\n--\n';
    expect(endsWithTrailer(head, 'COPY x FROM stdin;\n\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abcDEF123\n\n')).toBe(true);
    expect(endsWithTrailer(head, 'INSERT INTO t VALUES (1);\n')).toBe(false);
  });

  it('rejects a pg_dumpall script cut after one of its databases', async () => {
    const { endsWithTrailer } = await import('../../activities/engines/postgres/restore.js');
    const head = '--\n-- PostgreSQL database cluster dump\n--\n';
    const cutAfterFirstDatabase = '-- PostgreSQL database dump complete\n--\n\n\\connect app\n--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n';
    expect(endsWithTrailer(head, cutAfterFirstDatabase)).toBe(false);
    expect(endsWithTrailer(head, '-- PostgreSQL database dump complete\n--\n\n--\n-- PostgreSQL database cluster dump complete\n--\n\n')).toBe(true);
    expect(endsWithTrailer(head, '--\n-- PostgreSQL database dump complete\n--\n')).toBe(false);
  });

  it('does not crash on a file of a few bytes', () => {
    expect(sniffPostgresBackup(Buffer.from('\n'))).toMatchObject({ kind: 'foreign' });
    expect(sniffPostgresBackup(Buffer.from([0x01, 0x02]))).toMatchObject({ kind: 'foreign' });
  });
});

describe('MySQL dumps seen by the sniffer', () => {
  it('recognises mysqldump and recent mariadb-dump headers', () => {
    for (const head of ['-- MySQL dump 10.13  Distrib 8.0.36\n', '/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19-11.4.5-MariaDB\n', '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n']) {
      const sniffed = sniffPostgresBackup(Buffer.from(head));
      expect(sniffed.kind === 'foreign' && sniffed.description).toMatch(/MySQL\/MariaDB dump/);
    }
  });
});
