/**
 * The canary's damage: a copy of the backup's (decrypted) content, cut in half, written into the
 * sandbox's private work dir and restored instead of the original. A cut-short dump is the most
 * common real failure (a backup job killed mid-way, a full disk) and every engine's checks must
 * catch it; the source is only read, never touched.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { SandboxHandle } from '../core/drill.js';
import { localContent, type BackupContent } from './backup-content.js';
import { invalidRequest } from './failures.js';

export const CANARY_DAMAGES = ['truncate'] as const;
export type CanaryDamage = (typeof CANARY_DAMAGES)[number];

export async function damagedCopy(content: BackupContent, damage: CanaryDamage, sandbox: SandboxHandle, signal: AbortSignal): Promise<BackupContent> {
  if (content.directory !== null) {
    throw invalidRequest(`a canary drill damages a copy of a single-file backup, and ${content.uri} is a dump directory: run canaries on a plan whose backup is one file (archive, custom or plain dump)`);
  }
  if (damage !== 'truncate') throw invalidRequest(`unknown canary damage "${damage}"`);
  const target = path.join(sandbox.workDir, 'canary-damaged-copy');
  const keep = Math.max(1, Math.floor(content.sizeBytes / 2));
  const written = await copyPrefix(content.open(), target, keep, signal);
  // Shorter than expected (the content shrank in decoding): still cut it in half.
  if (written < keep) await fsp.truncate(target, Math.floor(written / 2));
  const { size } = await fsp.stat(target);
  return { ...localContent(target, size, false), uri: `${content.uri} (canary: first ${size} bytes only)` };
}

async function copyPrefix(source: NodeJS.ReadableStream & { destroy(): void }, target: string, limit: number, signal: AbortSignal): Promise<number> {
  const out = fs.createWriteStream(target, { mode: 0o600 });
  let written = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      signal.throwIfAborted();
      const part = chunk.subarray(0, limit - written);
      if (!out.write(part)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      written += part.length;
      if (written >= limit) break;
    }
  } finally {
    source.destroy();
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  return written;
}
