/**
 * Files the worker (often root) touches inside a sandbox directory, which belongs to the sandbox
 * account: anything jailed can replace an entry there with a link to a file of the host's. So the
 * worker never follows one: it creates files afresh (exclusively, changing ownership through the
 * descriptor), reads them without following links and only so much, and changes ownership of the
 * link itself, never of what it points at.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import type { SandboxHandle } from '../../core/drill.js';

const READ_LIMIT_BYTES = 64 * 1024;

/** Creates `file` (replacing whatever is there, link or not) with `content`, owned by the sandbox account. */
export async function writeSandboxFile(sandbox: SandboxHandle, file: string, content: string | Buffer = ''): Promise<void> {
  await fs.rm(file, { force: true, recursive: true });
  const handle = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(content);
    await handle.chown(sandbox.uid, sandbox.gid);
  } finally {
    await handle.close();
  }
}

/** Makes an empty directory `dir` (replacing whatever is there) owned by the sandbox account. */
export async function makeSandboxDirectory(sandbox: SandboxHandle, dir: string): Promise<void> {
  await fs.rm(dir, { force: true, recursive: true });
  await fs.mkdir(dir, { mode: 0o700 });
  await fs.lchown(dir, sandbox.uid, sandbox.gid);
}

/** The last `limit` bytes of a text file the sandbox wrote, never through a link; '' when there is none. */
export async function readSandboxText(file: string, limit = READ_LIMIT_BYTES): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return '';
    const length = Math.min(stat.size, limit);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, stat.size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
