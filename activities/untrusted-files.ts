/**
 * Reading a small file that a backup or a sandbox supplies (metadata, a manifest, a pid file):
 * never through a link, never blocking on a named pipe, never more than a bound. A FIFO planted in
 * a pid file's place would otherwise hold a worker thread for good; a link would make root read
 * whatever it names.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';

export class UntrustedFileError extends Error {}

/** The file's bytes; UntrustedFileError when it is a link, not a regular file, or larger than `limit`. */
export async function readUntrustedFile(file: string, limit: number): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UntrustedFileError(`${file} is a symbolic link`);
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UntrustedFileError(`${file} is not a regular file`);
    if (stat.size > limit) throw new UntrustedFileError(`${file} is larger than ${limit} bytes`);
    const buffer = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
