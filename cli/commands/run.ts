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
import { DUMP_FORMATS, drillInputSchema, ENGINE_FORMATS, ENGINES, type DrillRequest, type DrillResult } from '../../core/drill.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { parseDurationSeconds } from '../../core/duration.js';
import { hasGlobChars } from '../../core/glob.js';
import { progressQuery, RESTORE_DRILL_WORKFLOW } from '../../workflows/definitions.js';
import { CliError, EXIT_BACKUP_FAILED, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { formatProgressLine, formatResult, resultJson } from '../format-drill.js';
import { connectTemporal } from '../temporal.js';

const PROGRESS_INTERVAL_MS = 500;

const USAGE = `Usage: drill run --engine ${ENGINES.join('|')} --file PATH [options]

  --engine ENGINE       ${ENGINES.join(' | ')} (required)
  --file PATH           the backup file or pg_dump directory; a glob in the last part
                        (e.g. '/backups/app-*.dump') picks the newest match
  --latest GLOB         with --file DIR: drill the newest file in DIR matching GLOB
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
      staticSummary: `${request.engine} drill of ${request.source.pattern ? `${request.source.path}/${request.source.pattern}` : request.source.path}`,
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
      args: argv,
      options: {
        engine: { type: 'string' },
        file: { type: 'string' },
        latest: { type: 'string' },
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

function buildRequest(values: RunValues): DrillRequest {
  if (!values.engine) throw new CliError(`--engine is required\n\n${USAGE}`);
  if (!(ENGINES as readonly string[]).includes(values.engine)) throw new CliError(`unknown engine "${values.engine}": supported engines are ${ENGINES.join(', ')}`);
  if (!values.file) throw new CliError(`--file is required\n\n${USAGE}`);
  if (!(DUMP_FORMATS as readonly string[]).includes(values.format as string)) throw new CliError(`unknown format "${values.format}": use one of ${DUMP_FORMATS.join(', ')}`);

  const absolute = path.resolve(values.file);
  let source: DrillRequest['source'];
  if (values.latest) source = { kind: 'file', path: absolute, pattern: values.latest };
  else if (hasGlobChars(path.basename(absolute))) source = { kind: 'file', path: path.dirname(absolute), pattern: path.basename(absolute) };
  else source = { kind: 'file', path: absolute };
  if (hasGlobChars(source.path)) throw new CliError(`only the last part of --file may be a glob: "${values.file}"`);

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
  };
  // The workflow validates too, but a typo is best reported here, before a drill id is spent.
  const parsed = drillInputSchema.safeParse(request);
  if (!parsed.success) throw new CliError(`invalid drill: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  return request;
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
