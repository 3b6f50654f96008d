/**
 * `drill run`: starts a drill through Temporal, shows live progress on a terminal, and prints the
 * verdict. Exit 0 = backup passed, 1 = backup failed verification, 2 = usage or infrastructure.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import type { DrillChecksRequest } from '../../core/checks.js';
import { describeSource, DUMP_FORMATS, drillInputSchema, ENGINE_FORMATS, ENGINES, type DrillRequest, type DrillResult } from '../../core/drill.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { parseDurationSeconds } from '../../core/duration.js';
import { hasGlobChars } from '../../core/glob.js';
import { progressQuery, RESTORE_DRILL_WORKFLOW } from '../../workflows/definitions.js';
import { CliError, EXIT_BACKUP_FAILED, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { formatProgressLine, formatResult, resultJson } from '../format-drill.js';
import { connectTemporal } from '../temporal.js';

const PROGRESS_INTERVAL_MS = 500;

const USAGE = `Usage: drill run --engine ${ENGINES.join('|')} (--source URI | --file PATH) [options]

  --engine ENGINE       ${ENGINES.join(' | ')} (required)
  --source URI          where the backup is: file:///path, s3://bucket/key, s3://bucket/prefix/,
                        sftp://user@host:port/path, https://host/path
  --file PATH           shorthand for a local file or dump directory; a glob in the last part
                        (e.g. '/backups/app-*.dump') picks the newest match
  --latest [GLOB]       drill the newest object under the prefix/directory (matching GLOB)
  --credential NAME     vault credential that opens the source (SSH key, AWS keys, HTTP auth)
  --decrypt-with NAME   vault PGP key or age identity, used if the backup is encrypted
  --format FORMAT       default auto (detected from the content); postgres: ${ENGINE_FORMATS.postgres.slice(1).join(', ')};
                        mysql: ${ENGINE_FORMATS.mysql.slice(1).join(', ')}; mongodb: ${ENGINE_FORMATS.mongodb.slice(1).join(', ')}
  --engine-version V    version of the server the backups come from (e.g. 16, 10.11, 7.0);
                        a dump taken from another version fails before it is restored
  --checks FILE         JSON of the plan's checks (see docs/verification.md); the flags
                        below override its fields
  --min-tables N        fail unless at least N user tables are restored (default 1)
  --min-rows N          fail unless at least N rows in all are restored (default 1)
  --max-age DURATION    fail if the backup is older, e.g. 26h, 7d
  --plan-id ID          record the drill under this plan
  --id DRILL_ID         workflow id to use (default drill-<time>-<random>)
  --json                print one JSON object instead of the human summary
  -h, --help            this help

Exit codes: 0 backup passed, 1 backup failed verification, 2 usage or infrastructure error.`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArgs(argv);
  if (values.help) {
    console.log(USAGE);
    return EXIT_PASSED;
  }
  const request = buildRequest(values);
  const drillId = values.id ?? newDrillId();
  const temporal = await connectTemporal();
  try {
    const handle = await temporal.client.workflow.start(RESTORE_DRILL_WORKFLOW, {
      taskQueue: temporal.taskQueue,
      workflowId: drillId,
      args: [request],
      staticSummary: `${request.engine} drill of ${describeSource(request.source)}`,
    });
    const startedAt = Date.now();
    const showProgress = Boolean(process.stderr.isTTY);
    if (!showProgress && !values.json) console.error(`drill ${drillId} started; waiting for the verdict…`);
    const ticker = showProgress ? startProgressTicker(() => handle.query(progressQuery), startedAt) : undefined;
    let result: DrillResult;
    try {
      result = await awaitDrillResult(handle.result());
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
        report(values.json, { drillId, outcome: 'cancelled', reason: 'the drill was cancelled' }, `Drill ${drillId}: CANCELLED`);
        return EXIT_USAGE_OR_INFRA;
      }
      throw new CliError(`drill ${drillId} did not finish: ${(err as Error).message}`);
    } finally {
      await ticker?.stop();
    }
    if (values.json) console.log(JSON.stringify(resultJson(result, Date.now() - startedAt)));
    else console.log(formatResult(result));
    return result.outcome === 'passed' ? EXIT_PASSED : result.outcome === 'failed' ? EXIT_BACKUP_FAILED : EXIT_USAGE_OR_INFRA;
  } finally {
    await temporal.close();
  }
}

function parseCliArgs(argv: string[]) {
  try {
    return parseArgs({
      args: withOptionalLatestValue(argv),
      options: {
        engine: { type: 'string' },
        file: { type: 'string' },
        source: { type: 'string' },
        latest: { type: 'string' },
        credential: { type: 'string' },
        'decrypt-with': { type: 'string' },
        format: { type: 'string', default: 'auto' },
        'min-tables': { type: 'string' },
        'min-rows': { type: 'string' },
        'max-age': { type: 'string' },
        'plan-id': { type: 'string' },
        'engine-version': { type: 'string' },
        checks: { type: 'string' },
        id: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
}

type RunValues = ReturnType<typeof parseCliArgs>['values'];

/** `--latest` takes an optional glob; parseArgs knows no optional values, so an absent one becomes "". */
function withOptionalLatestValue(argv: string[]): string[] {
  const args = [...argv];
  const at = args.indexOf('--latest');
  if (at >= 0 && (at === args.length - 1 || args[at + 1]!.startsWith('--'))) args.splice(at + 1, 0, '');
  return args;
}

function buildRequest(values: RunValues): DrillRequest {
  if (!values.engine) throw new CliError(`--engine is required\n\n${USAGE}`);
  if (!(ENGINES as readonly string[]).includes(values.engine)) throw new CliError(`unknown engine "${values.engine}": supported engines are ${ENGINES.join(', ')}`);
  if (!values.file && !values.source) throw new CliError(`--source or --file is required\n\n${USAGE}`);
  if (values.file && values.source) throw new CliError('give either --source or --file, not both');
  if (!(DUMP_FORMATS as readonly string[]).includes(values.format as string)) throw new CliError(`unknown format "${values.format}": use one of ${DUMP_FORMATS.join(', ')}`);

  const source = values.source ? uriSource(values.source, values) : fileSource(values.file as string, values);

  const checks: DrillChecksRequest = values.checks ? readChecksFile(values.checks) : {};
  if (values['min-tables'] !== undefined) checks.minTables = nonNegativeInt('--min-tables', values['min-tables']);
  if (values['min-rows'] !== undefined) checks.minRows = nonNegativeInt('--min-rows', values['min-rows']);
  if (values['max-age'] !== undefined) {
    try {
      checks.maxAgeSeconds = parseDurationSeconds(values['max-age']);
    } catch (err) {
      throw new CliError(`--max-age: ${(err as Error).message}`);
    }
  }
  const request: DrillRequest = {
    engine: values.engine as DrillRequest['engine'],
    source,
    format: values.format as DrillRequest['format'],
    checks,
    ...(values['plan-id'] ? { planId: values['plan-id'] } : {}),
    ...(values['engine-version'] ? { engineVersion: values['engine-version'] } : {}),
    ...(values['decrypt-with'] ? { decryptWith: values['decrypt-with'] } : {}),
  };
  // The workflow validates too, but a typo is best reported here, before a drill id is spent.
  const parsed = drillInputSchema.safeParse(request);
  if (!parsed.success) throw new CliError(`invalid drill: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  return request;
}

function fileSource(file: string, values: RunValues): DrillRequest['source'] {
  if (values.credential) throw new CliError('--credential is for remote sources: use --source');
  const absolute = path.resolve(file);
  let source: Extract<DrillRequest['source'], { kind: 'file' }>;
  if (values.latest !== undefined) source = { kind: 'file', path: absolute, pattern: values.latest || '*' };
  else if (hasGlobChars(path.basename(absolute))) source = { kind: 'file', path: path.dirname(absolute), pattern: path.basename(absolute) };
  else source = { kind: 'file', path: absolute };
  if (hasGlobChars(source.path)) throw new CliError(`only the last part of --file may be a glob: "${file}"`);
  return source;
}

function uriSource(uri: string, values: RunValues): DrillRequest['source'] {
  // A bare path given to --source is a file, as an operator would mean it.
  const normalized = uri.startsWith('/') ? `file://${uri}` : uri;
  return {
    kind: 'uri',
    uri: normalized,
    // `--latest` alone (empty) means "the newest object under the prefix", whatever its name.
    ...(values.latest !== undefined ? { latest: values.latest || '*' } : {}),
    ...(values.credential ? { credential: values.credential } : {}),
  };
}

function readChecksFile(file: string): DrillChecksRequest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--checks: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as DrillChecksRequest;
  } catch (err) {
    throw new CliError(`--checks: ${file} is not a JSON object of checks: ${(err as Error).message}`);
  }
}

function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`${flag} must be a whole number ≥ 0, got "${text}"`);
  return Number(text);
}

function newDrillId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `drill-${stamp}-${randomBytes(3).toString('hex')}`;
}

function startProgressTicker(query: () => Promise<import('../../core/drill.js').DrillProgress>, startedAt: number) {
  let stopped = false;
  let lastLine = '';
  const tick = async () => {
    while (!stopped) {
      try {
        const line = formatProgressLine(await query(), Date.now() - startedAt);
        if (!stopped) {
          process.stderr.write(`\r\x1b[2K${line}`);
          lastLine = line;
        }
      } catch {
        // The workflow may not have run its first task yet; try again on the next tick.
      }
      await new Promise((r) => setTimeout(r, PROGRESS_INTERVAL_MS));
    }
  };
  const loop = tick();
  return {
    async stop() {
      stopped = true;
      await loop;
      if (lastLine) process.stderr.write('\r\x1b[2K');
    },
  };
}

function report(json: boolean | undefined, payload: object, human: string) {
  console.log(json ? JSON.stringify(payload) : human);
}
