/**
 * A seccomp filter (classic BPF, as bubblewrap's --seccomp reads it) that refuses
 * open_by_handle_at and name_to_handle_at with EPERM. A jailed tool that keeps
 * CAP_DAC_READ_SEARCH (one reading the backup as root, ./jail.ts) could otherwise open any inode of
 * the host's file systems by handle, outside its mount view (the "shocker" escape); Docker's
 * default profile refuses the same calls. x32 system calls and every other architecture's (the
 * i386 entry a 64-bit program reaches with int 0x80) are refused too, so that their numbering cannot
 * get around the check.
 */
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO_EPERM = 0x00050001;
const X32_SYSCALL_BIT = 0x40000000;
/** offsetof(struct seccomp_data, arch) and (…, nr) */
const ARCH_OFFSET = 4;
const NR_OFFSET = 0;

const ARCHES: Partial<Record<NodeJS.Architecture, { audit: number; nameToHandleAt: number; openByHandleAt: number }>> = {
  x64: { audit: 0xc000003e, nameToHandleAt: 303, openByHandleAt: 304 },
  arm64: { audit: 0xc00000b7, nameToHandleAt: 264, openByHandleAt: 265 },
};

function instruction(code: number, jt: number, jf: number, k: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeUInt16LE(code, 0);
  buffer.writeUInt8(jt, 2);
  buffer.writeUInt8(jf, 3);
  buffer.writeUInt32LE(k >>> 0, 4);
  return buffer;
}

/** The filter for this machine's architecture, or undefined where its system call numbers are not known here. */
export function handleSyscallFilter(arch: NodeJS.Architecture = process.arch): Buffer | undefined {
  const numbers = ARCHES[arch];
  if (!numbers) return undefined;
  return Buffer.concat([
    instruction(BPF_LD_W_ABS, 0, 0, ARCH_OFFSET),
    // Another architecture's calls (int 0x80 from a 64-bit program, a 32-bit program) have other
    // numbers for the same calls: refused altogether, as the tools these jails run are native.
    instruction(BPF_JEQ_K, 0, 5, numbers.audit),
    instruction(BPF_LD_W_ABS, 0, 0, NR_OFFSET),
    instruction(BPF_JGE_K, 3, 0, X32_SYSCALL_BIT),
    instruction(BPF_JEQ_K, 2, 0, numbers.openByHandleAt),
    instruction(BPF_JEQ_K, 1, 0, numbers.nameToHandleAt),
    instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO_EPERM),
  ]);
}
