/**
 * Bytes a process tree has read, from Linux's /proc/<pid>/io. Tools like `pg_restore -j` read the
 * backup themselves (they need to seek), so this is how their progress is observed without
 * standing in the data path.
 */
import fs from 'node:fs/promises';

export async function processTreeReadBytes(rootPid: number): Promise<number> {
  const pids = await descendantsOf(rootPid);
  let total = 0;
  for (const pid of pids) {
    try {
      const io = await fs.readFile(`/proc/${pid}/io`, 'utf8');
      total += Number(io.match(/^rchar:\s*(\d+)/m)?.[1] ?? 0);
    } catch {
      // The process exited between listing and reading.
    }
  }
  return total;
}

async function descendantsOf(rootPid: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return [rootPid];
  }
  const children = new Map<number, number[]>();
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8');
          // The command name is in parentheses and may itself contain spaces or parentheses.
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          const list = children.get(ppid) ?? [];
          list.push(Number(name));
          children.set(ppid, list);
        } catch {
          // Gone already.
        }
      }),
  );
  const result: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    result.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return result;
}

const PROGRESS_POLL_MS = 1000;

/**
 * Reports how far a tool that reads the backup itself has got: hand `onSpawn` to runTool, call
 * `stop` when it is done. Counts never go backwards and never exceed the backup's size.
 */
export function watchReadProgress(totalBytes: number, onProgress: (bytes: number) => void): { onSpawn: (child: { pid?: number }) => void; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    onSpawn(child) {
      if (child.pid === undefined) return;
      const pid = child.pid;
      let seen = 0;
      timer = setInterval(() => {
        processTreeReadBytes(pid).then((read) => {
          seen = Math.min(totalBytes, Math.max(seen, read));
          onProgress(seen);
        }, () => {});
      }, PROGRESS_POLL_MS);
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
