/**
 * The PostgreSQL benchmark dataset as a plain SQL dump, uncompressed and gzip-compressed, for the
 * streaming benchmark (BENCH_SOURCE=s3-age). Made once from the cached custom-format dump with
 * `pg_restore -f` (the same script `pg_dump -Fp` writes for that database) and `gzip -6` (what
 * `pg_dump -Fp | gzip` gives); cached next to it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { findPostgresBinaries } from '../../../activities/engines/postgres/binaries.js';
import { type Dataset, log } from './dataset.js';
import { execFileAsync } from '../harness.js';

export interface PlainDataset extends Dataset {
  /** The gzip-compressed copy of `path`. */
  gzipPath: string;
}

export async function ensurePlainPostgresDataset(custom: Dataset, bins: Awaited<ReturnType<typeof findPostgresBinaries>>): Promise<PlainDataset> {
  const sqlPath = custom.path.replace(/\.dump$/, '.sql');
  const gzipPath = `${sqlPath}.gz`;
  if (!fs.existsSync(sqlPath)) {
    log(`writing the plain SQL dump (once): ${sqlPath}`);
    await execFileAsync(bins.path('pg_restore'), ['-f', `${sqlPath}.partial`, custom.path]);
    fs.renameSync(`${sqlPath}.partial`, sqlPath);
  }
  if (!fs.existsSync(gzipPath)) {
    log(`compressing it with gzip -6 (once): ${gzipPath}`);
    await gzip(sqlPath, `${gzipPath}.partial`);
    fs.renameSync(`${gzipPath}.partial`, gzipPath);
  }
  return { ...custom, path: sqlPath, gzipPath };
}

async function gzip(input: string, output: string): Promise<void> {
  const out = fs.openSync(output, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('gzip', ['-6', '-c', input], { stdio: ['ignore', out, 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gzip failed (exit ${code}): ${stderr.trim()}`))));
    });
  } finally {
    fs.closeSync(out);
  }
}
