/**
 * What a jailed process cannot do, tried directly rather than through a dump: open host files by
 * handle (the escape root's file-reading capability would allow), run a program written into its
 * sandbox, or run a shell in the PostgreSQL server's jail.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runTool } from '../../activities/process.js';
import { jailed, jailStatus } from '../../activities/sandboxes/jail.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import type { SandboxHandle } from '../../core/drill.js';

const asRoot = process.getuid?.() === 0;
let root: string;
let sandbox: SandboxHandle;
let dump: string;

beforeAll(async () => {
  root = path.join(inject('scratchDir'), `jail-confinement-${randomBytes(3).toString('hex')}`);
  fs.mkdirSync(root, { mode: 0o755 });
  sandbox = await createLocalSandbox('jail-confinement', 'postgres', { hostTaskQueue: 'test', rootDir: root });
  expect((await jailStatus(sandbox)).jailed).toBe(true);
  dump = fs.mkdtempSync(path.join(root, 'dump-'));
  fs.writeFileSync(path.join(dump, 'toc.dat'), 'not read');
});
afterAll(async () => {
  await removeLocalSandbox(sandbox);
});

/**
 * Asks the kernel for a handle of the dump folder, then opens the root directory of its file
 * system by handle (ext4 and its kin: inode 2, generation 0), and lists it: outside any mount view.
 */
const BY_HANDLE = String.raw`
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
NAME_TO_HANDLE_AT, OPEN_BY_HANDLE_AT = (303, 304) if os.uname().machine == 'x86_64' else (264, 265)
handle = ctypes.create_string_buffer(8 + 128)
ctypes.memmove(handle, (128).to_bytes(4, 'little'), 4)
mount_id = ctypes.c_int()
r = libc.syscall(NAME_TO_HANDLE_AT, -100, sys.argv[1].encode(), handle, ctypes.byref(mount_id), 0)
print('name_to_handle_at', r, os.strerror(ctypes.get_errno()) if r < 0 else 'ok', file=sys.stderr)
forged = ctypes.create_string_buffer((8).to_bytes(4, 'little') + (1).to_bytes(4, 'little') + (2).to_bytes(4, 'little') + (0).to_bytes(4, 'little'))
mount_fd = os.open(sys.argv[1], os.O_RDONLY)
fd = libc.syscall(OPEN_BY_HANDLE_AT, mount_fd, forged, os.O_RDONLY | os.O_DIRECTORY)
print('open_by_handle_at', fd, os.strerror(ctypes.get_errno()) if fd < 0 else ' '.join(sorted(os.listdir(fd))[:50]), file=sys.stderr)
`;

describe('a tool that reads the backup as root', () => {
  it.runIf(asRoot)('cannot open host files by handle: the jail refuses the calls that would reach past its mounts', async () => {
    // The same script outside the jail reaches the file system's root: the test can fail.
    const outside = await runTool('python3', ['-c', BY_HANDLE, dump]);
    expect(outside.stderrTail.join('\n')).toMatch(/open_by_handle_at \d+ .*\b(etc|usr)\b/);

    const tool = await jailed(sandbox, '/usr/bin/python3', ['-c', BY_HANDLE, dump], { readOnly: [dump], writableSandbox: false, asWorker: true });
    expect(tool.fd3).toBeInstanceOf(Buffer);
    const inside = await runTool(tool.command, tool.args, { fd3: tool.fd3 });
    const said = inside.stderrTail.join('\n');
    expect(said).toMatch(/name_to_handle_at -1 Operation not permitted/);
    expect(said).toMatch(/open_by_handle_at -1 Operation not permitted/);
  });

  it.runIf(asRoot)('sees the server socket folder read-only', async () => {
    const tool = await jailed(sandbox, '/usr/bin/touch', [path.join(sandbox.socketDir, 'planted')], { writableSandbox: false, asWorker: true });
    const run = await runTool(tool.command, tool.args, { fd3: tool.fd3 });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderrTail.join('\n')).toMatch(/Read-only file system/);
    expect(fs.existsSync(path.join(sandbox.socketDir, 'planted'))).toBe(false);
  });
});

describe('the sandbox directory', () => {
  it.runIf(asRoot)('runs no program written into it, jailed or not', async () => {
    const program = path.join(sandbox.dataDir, 'planted-true');
    fs.copyFileSync('/usr/bin/true', program);
    fs.chmodSync(program, 0o755);
    fs.chownSync(program, sandbox.uid, sandbox.gid);
    const unjailed = await runTool(program, [], { uid: sandbox.uid, gid: sandbox.gid }).catch((err: Error) => err);
    expect(String(unjailed instanceof Error ? unjailed.message : '')).toMatch(/EACCES|permission denied/i);
    const tool = await jailed(sandbox, program, []);
    const run = await runTool(tool.command, tool.args, { uid: sandbox.uid, gid: sandbox.gid });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderrTail.join('\n')).toMatch(/Permission denied/);
  });

  it('leaves nothing writable in the jail outside it: /tmp and /dev/shm are read-only', async () => {
    const tool = await jailed(sandbox, '/bin/sh', ['-c', 'for d in /tmp /dev/shm; do cp /usr/bin/true $d/t; done']);
    const run = await runTool(tool.command, tool.args, { uid: sandbox.uid, gid: sandbox.gid });
    const said = run.stderrTail.join('\n');
    expect(said).toMatch(/\/tmp\/t.*Read-only file system/);
    expect(said).toMatch(/\/dev\/shm\/t.*Read-only file system/);
  });

  it.runIf(asRoot)('is unmounted and gone after teardown', async () => {
    const other = await createLocalSandbox('jail-confinement-2', 'postgres', { hostTaskQueue: 'test', rootDir: root });
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).toContain(` ${other.dir} `);
    await removeLocalSandbox(other);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(` ${other.dir} `);
    expect(fs.existsSync(other.dir)).toBe(false);
  });
});

describe("the PostgreSQL server's jail", () => {
  it('has no shell', async () => {
    const tool = await jailed(sandbox, '/bin/sh', ['-c', 'echo ran'], { noShell: true });
    const run = await runTool(tool.command, tool.args, { uid: sandbox.uid, gid: sandbox.gid });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderrTail.join('\n')).not.toMatch(/^ran$/m);
  });
});
