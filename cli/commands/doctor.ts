/**
 * `drill doctor [--json]`: is this installation able to run drills, and if not, what to change.
 * It asks the services (Temporal, a worker polling the task queue, the API and its database) and
 * this host (engines, jail, accounts, sandbox disk), one line each, and exits 2 when anything would
 * stop a drill. Run it on the worker's host: the host lines describe the machine it runs on.
 */
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import proto from '@temporalio/proto';
import { hc } from 'hono/client';
import type { AppType } from '../../api/app.js';
import { defaultSandboxRoot } from '../../activities/sandboxes/local.js';
import { apiBaseUrl, loadConfig } from '../../core/config.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions.js';
import { engineRows, type EngineRow } from '../engine-rows.js';
import { CliError, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { formatTable } from '../format-table.js';
import { connectTemporal } from '../temporal.js';
import { describeTemporalSecurity, temporalConnectionSettings } from '../../core/temporal-connection.js';

// CommonJS module: its namespaces are reachable only through the default export under ESM.
const { TaskQueueType } = proto.temporal.api.enums.v1;

const USAGE = `Usage: drill doctor [--json]

Checks that this installation can run drills: Temporal answers and has the namespace and search
attributes, a worker polls the task queue, the API and its history database answer, and this host
has the engines, the jail, the sandbox accounts and the disk sandboxes need. Prints one line per
check with what to change; exits 0 when nothing stops a drill, 2 otherwise.`;

const PROBE_TIMEOUT_MS = 5000;
/** Below this, a sandbox of any real backup is unlikely to fit. */
const LOW_SANDBOX_DISK_BYTES = 2 * 1024 ** 3;

type Status = 'ok' | 'warn' | 'fail' | 'info';

interface DoctorCheck {
  check: string;
  status: Status;
  detail: string;
}

export async function doctorCommand(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    return EXIT_PASSED;
  }
  let json: boolean | undefined;
  try {
    ({ json } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true }).values);
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const checks = [...(await serviceChecks()), await apiCheck(), ...(await hostChecks())];
  const problems = checks.filter((c) => c.status === 'fail').length;
  if (json) {
    console.log(JSON.stringify({ ok: problems === 0, checks }, null, 2));
  } else {
    for (const line of formatTable([['CHECK', 'STATUS', 'DETAIL'], ...checks.map((c) => [c.check, c.status, c.detail])])) console.log(line);
    const warnings = checks.filter((c) => c.status === 'warn').length;
    console.log(problems === 0 ? `\nready to run drills${warnings > 0 ? ` (${warnings} warning(s))` : ''}` : `\n${problems} problem(s) stop drills here; fix the lines marked fail`);
  }
  return problems === 0 ? EXIT_PASSED : EXIT_USAGE_OR_INFRA;
}

async function serviceChecks(): Promise<DoctorCheck[]> {
  const config = loadConfig();
  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  try {
    temporal = await connectTemporal();
  } catch (err) {
    return [{ check: 'temporal', status: 'fail', detail: (err as Error).message }];
  }
  const { workflowService, operatorService } = temporal.client.connection;
  const namespace = config.temporalNamespace;
  const checks: DoctorCheck[] = [];
  try {
    try {
      await workflowService.describeNamespace({ namespace });
      checks.push({ check: 'temporal', status: 'ok', detail: `${config.temporalAddress}, namespace "${namespace}", ${describeTemporalSecurity(temporalConnectionSettings(config.temporalAddress))}` });
    } catch (err) {
      return [{ check: 'temporal', status: 'fail', detail: `${config.temporalAddress} answers, but namespace "${namespace}" is not there (${firstLine(err)}): create it (temporal operator namespace create ${namespace}) or set TEMPORAL_NAMESPACE` }];
    }
    checks.push(await searchAttributesCheck(operatorService, namespace));
    checks.push(await workerCheck(workflowService, namespace, temporal.taskQueue));
  } finally {
    await temporal.close();
  }
  return checks;
}

async function searchAttributesCheck(operatorService: Awaited<ReturnType<typeof connectTemporal>>['client']['connection']['operatorService'], namespace: string): Promise<DoctorCheck> {
  const wanted = Object.values(SEARCH_ATTRIBUTES).map((key) => key.name);
  try {
    const { customAttributes } = await operatorService.listSearchAttributes({ namespace });
    const missing = wanted.filter((name) => !customAttributes?.[name]);
    return missing.length === 0
      ? { check: 'search attributes', status: 'ok', detail: wanted.join(', ') }
      : { check: 'search attributes', status: 'warn', detail: `missing: ${missing.join(', ')}; a worker registers them when it starts (hosted namespaces: add them as Keyword attributes with your Temporal admin tooling)` };
  } catch (err) {
    return { check: 'search attributes', status: 'info', detail: `cannot list them here (${firstLine(err)}); a worker registers them when it starts` };
  }
}

async function workerCheck(workflowService: Awaited<ReturnType<typeof connectTemporal>>['client']['connection']['workflowService'], namespace: string, taskQueue: string): Promise<DoctorCheck> {
  const pollers = async (taskQueueType: proto.temporal.api.enums.v1.TaskQueueType) =>
    (await workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType })).pollers ?? [];
  try {
    const [workflows, activities] = await Promise.all([pollers(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), pollers(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)]);
    if (workflows.length === 0 || activities.length === 0) {
      return { check: 'worker', status: 'fail', detail: `no worker polls the task queue "${taskQueue}" for ${workflows.length === 0 ? 'workflows' : 'activities'}: drills would wait; start one (npm start, or npm run worker) with RESTORE_DRILL_TASK_QUEUE=${taskQueue}` };
    }
    const identities = [...new Set(workflows.map((p) => p.identity).filter(Boolean))];
    return { check: 'worker', status: 'ok', detail: `${identities.length} worker(s) polling "${taskQueue}": ${identities.slice(0, 3).join(', ')}${identities.length > 3 ? ', …' : ''}` };
  } catch (err) {
    return { check: 'worker', status: 'fail', detail: `cannot describe the task queue "${taskQueue}": ${firstLine(err)}` };
  }
}

async function apiCheck(): Promise<DoctorCheck> {
  const base = apiBaseUrl();
  try {
    const response = await hc<AppType>(base, { fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }) }).readyz.$get();
    const body = await response.json();
    if (response.ok) return { check: 'api', status: 'ok', detail: `${base}: the API, its history database and its Temporal answer` };
    const down = [body.database !== 'ok' ? 'its history database (DATABASE_URL)' : undefined, body.temporal !== 'ok' ? 'its Temporal (TEMPORAL_ADDRESS)' : undefined].filter(Boolean);
    return { check: 'api', status: 'fail', detail: `${base} answers, but ${down.join(' and ')} does not answer it` };
  } catch (err) {
    return { check: 'api', status: 'fail', detail: `cannot reach the API at ${base} (${firstLine(err)}): start it (npm start) or set RESTORE_DRILL_API` };
  }
}

async function hostChecks(): Promise<DoctorCheck[]> {
  const config = loadConfig();
  const checks = (await engineRows()).map((row) => hostCheck(row, config.jail));
  const root = config.sandboxRootDir ?? (await defaultSandboxRoot());
  try {
    const stats = await fs.statfs(root);
    const free = stats.bavail * stats.bsize;
    checks.push({ check: 'sandbox disk', status: free < LOW_SANDBOX_DISK_BYTES ? 'warn' : 'ok', detail: `${gib(free)} free under ${root}${free < LOW_SANDBOX_DISK_BYTES ? ': a restore needs about the backup\'s size and more; free space or set RESTORE_DRILL_SANDBOX_DIR' : ''}` });
  } catch (err) {
    checks.push({ check: 'sandbox disk', status: 'fail', detail: `cannot read ${root} (${firstLine(err)}): create it or set RESTORE_DRILL_SANDBOX_DIR` });
  }
  const shared = await sameFileSystem(root, config.dataDir);
  if (shared) checks.push({ check: 'sandbox disk', status: 'warn', detail: `${root} is on the same file system as ${config.dataDir}: a restore that fills it also stops the history database and the other drills; give sandboxes a disk of their own (RESTORE_DRILL_SANDBOX_DIR)` });
  return checks;
}

function hostCheck(row: EngineRow, jailMode: string): DoctorCheck {
  const check = row.engine;
  if (row.status === 'installed') return { check, status: 'ok', detail: `${row.version}: ${row.where}` };
  if (row.status === 'installable') return { check, status: 'info', detail: `${row.version} not installed: ${row.where}` };
  if (row.engine === 'jail') return { check, status: jailMode === 'required' ? 'fail' : 'warn', detail: jailMode === 'required' ? `${row.where}; RESTORE_DRILL_JAIL=required makes every drill end as error` : row.where };
  if (row.engine === 'mysql' || row.engine === 'mongodb') return { check, status: 'warn', detail: `${row.where}: ${row.engine} drills end as error here until it is installed (npm run setup)` };
  return { check, status: 'warn', detail: row.where };
}

async function sameFileSystem(a: string, b: string): Promise<boolean> {
  try {
    return (await fs.stat(a)).dev === (await fs.stat(b)).dev;
  } catch {
    return false;
  }
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
