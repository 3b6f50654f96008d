/**
 * One test file's slice of the shared services: its own history database (migrated), task queue,
 * sandbox directory and in-process worker, plus helpers to run drills and inspect what they left.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';
import type { DrillRequest, DrillResult, FlatDrillRequest } from '../../core/drill.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { migrateHistoryDatabase, openHistoryDatabase, type HistoryDatabase } from '../../db/client.js';
import { RESTORE_DRILL_WORKFLOW } from '../../workflows/definitions.js';
import { createDrillWorker, type DrillWorker, type DrillWorkerOptions } from '../../worker/worker.js';
import { drillDataConverter } from '../../worker/payload-codec.js';
import { startApiServer, type ApiServer } from '../../api/server.js';
import type { CodecEndpoint } from '../../api/routes/codec.js';
import type { ApiDeps } from '../../api/deps.js';
import { insertPlan } from '../../db/queries/plans.js';
import { planIdFor, planSchema, type PlanInput } from '../../core/plan.js';
import { createVault, generateMasterKeyBase64, loadMasterKeys, type Vault } from '../../activities/vault/index.js';
import { WorkerProcesses } from '../../scripts/services/worker-processes.js';
import { prepareApiAuth } from '../../api/auth/api-auth.js';
import { loadEvidenceSigner } from '../../api/evidence/signing-key.js';
import { loadConfig } from '../../core/config.js';
import { createToken } from '../../api/auth/tokens.js';
import { createUser } from '../../api/auth/users.js';

// Worker lifecycle chatter drowns test output; warnings (failed activities) still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

/** A password that passes the API's length rule; test users all have it. */
export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  email: string;
  password: string;
  token: string;
}

export interface DrillTestEnv {
  name: string;
  temporalAddress: string;
  taskQueue: string;
  workerId: string;
  databaseUrl: string;
  sandboxRoot: string;
  fixturesDir: string;
  scratchDir: string;
  history: HistoryDatabase;
  client: Client;
  fixture(name: string): string;
  startDrill(request: DrillRequest, drillId?: string): Promise<WorkflowHandle>;
  runDrill(request: DrillRequest): Promise<DrillResult>;
  /** Runs SQL against this file's history database. */
  query<T extends object>(text: string, params?: unknown[]): Promise<T[]>;
  /** What the API is built with, for this env's database, Temporal client and task queue. */
  apiDeps(extra?: { codec?: CodecEndpoint }): ApiDeps;
  /** This env's API on a free loopback port (closed with the env). */
  startApi(extra?: { codec?: CodecEndpoint }): Promise<ApiServer>;
  /** The manager every env has: its API token answers every route. */
  manager: TestUser;
  /** Another user of this env's API, with a token. */
  signIn(email: string, role: 'manager' | 'user'): Promise<TestUser>;
  /** This env's vault (its own master key); the env's worker resolves credentials from it. */
  vault: Vault;
  /** The vault's master key (base64), for CLI processes: RESTORE_DRILL_MASTER_KEY. */
  masterKey: string;
  /** Stores a plan directly (no schedule is created): for tests that need a plan id to drill under. */
  savePlan(plan: PlanInput): Promise<string>;
  close(): Promise<void>;
}

export interface DrillTestEnvOptions {
  inProcessWorker?: boolean;
  /** Worker settings beyond the env's own (e.g. the watchdog's interval). */
  worker?: Partial<Pick<DrillWorkerOptions, 'systemSchedules' | 'links' | 'reconcileOnStart' | 'housekeeping' | 'mysql' | 'maxSandboxes'>>;
}

export async function createDrillTestEnv(name: string, options: DrillTestEnvOptions = {}): Promise<DrillTestEnv> {
  const suffix = randomBytes(3).toString('hex');
  const temporalAddress = inject('temporalAddress');
  const scratchDir = inject('scratchDir');
  const databaseName = `test_${name.replace(/\W/g, '_')}_${suffix}`;
  const admin = postgres(inject('historyAdminUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const databaseUrl = inject('historyAdminUrl').replace(/\/postgres$/, `/${databaseName}`);
  await migrateHistoryDatabase(databaseUrl);
  const history = openHistoryDatabase(databaseUrl);
  const raw = postgres(databaseUrl, { max: 2, onnotice: () => {} });

  const sandboxRoot = path.join(scratchDir, `sandboxes-${name}-${suffix}`);
  fs.mkdirSync(sandboxRoot, { mode: 0o755 });
  const taskQueue = `test-${name}-${suffix}`;
  const workerId = `host-${suffix}`;

  const links = { appUrl: 'http://restore-drill.test', temporalUiUrl: 'http://temporal-ui.test', namespace: 'default' };
  const masterKey = generateMasterKeyBase64();
  const vault = createVault({ db: history.db, keys: loadMasterKeys({ RESTORE_DRILL_MASTER_KEY: masterKey }), actor: `test:${name}` });

  let worker: DrillWorker | undefined;
  let running: Promise<void> | undefined;
  if (options.inProcessWorker !== false) {
    worker = await createDrillWorker({
      address: temporalAddress,
      namespace: 'default',
      taskQueue,
      db: history.db,
      workerId,
      sandboxRootDir: sandboxRoot,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      systemSchedules: false,
      credentials: vault,
      links,
      ...options.worker,
    });
    running = worker.run();
  }
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default', dataConverter: drillDataConverter() });
  const apis: ApiServer[] = [];
  // Every API of this env signs people in against its own history database; tests call it as a
  // manager unless they say otherwise.
  const authDir = fs.mkdtempSync(path.join(scratchDir, `auth-${name}-`));
  const auth = await prepareApiAuth(history.db, { ...loadConfig(), dataDir: authDir }, () => {});
  const evidence = loadEvidenceSigner({ dataDir: authDir });
  const manager = await createUser(history.db, { email: `manager-${suffix}@restore-drill.test`, role: 'manager', password: TEST_PASSWORD, createdBy: 'test' });
  const managerToken = (await createToken(history.db, manager.id, 'tests', null)).secret;

  const env: DrillTestEnv = {
    name,
    temporalAddress,
    taskQueue,
    workerId,
    databaseUrl,
    sandboxRoot,
    fixturesDir: inject('fixturesDir'),
    scratchDir,
    history,
    client,
    fixture: (file) => path.join(inject('fixturesDir'), file),
    startDrill: (request, drillId) =>
      client.workflow.start(RESTORE_DRILL_WORKFLOW, { taskQueue, workflowId: drillId ?? `drill-${name}-${randomBytes(4).toString('hex')}`, args: [request] }),
    runDrill: async (request) => awaitDrillResult((await env.startDrill(request)).result()),
    query: async (text, params = []) => (await raw.unsafe(text, params as never[])) as unknown as never[],
    vault,
    masterKey,
    apiDeps: (extra = {}) => ({ db: history.db, temporal: { client, taskQueue, namespace: 'default' }, links, auth, evidence, vault, ...extra }),
    manager: { email: manager.email, password: TEST_PASSWORD, token: managerToken },
    signIn: async (email, role) => {
      const user = await createUser(history.db, { email, role, password: TEST_PASSWORD, createdBy: 'test' });
      return { email: user.email, password: TEST_PASSWORD, token: (await createToken(history.db, user.id, 'tests', null)).secret };
    },
    startApi: async (extra = {}) => {
      const api = await startApiServer({ ...env.apiDeps(extra), host: '127.0.0.1', port: 0 });
      apis.push(api);
      return api;
    },
    savePlan: async (input) => {
      const plan = planSchema.parse(input);
      const row = await insertPlan(history.db, { id: planIdFor(plan.name, randomBytes(3).toString('hex')), plan, createdBy: 'test' });
      return row.id;
    },
    close: async () => {
      for (const api of apis) await api.close();
      worker?.shutdown();
      await running;
      await connection.close();
      await raw.end();
      await history.close();
    },
  };
  return env;
}

/**
 * What survived of this env's sandboxes: directories, server processes (their command line names
 * the data dir) and restore tools still running as children of this process.
 */
export function sandboxLeftovers(sandboxRoot: string): string[] {
  // The slots folder stays; a claim left in it is a leak like a directory.
  const slotsFolder = path.join(sandboxRoot, '.restore-drill-slots');
  const claims = fs.existsSync(slotsFolder) ? fs.readdirSync(slotsFolder).map((slot) => `slot claim ${slot}: ${fs.readFileSync(path.join(slotsFolder, slot), 'utf8')}`) : [];
  const leftovers = fs.readdirSync(sandboxRoot).filter((entry) => entry !== '.restore-drill-slots').map((entry) => `directory ${path.join(sandboxRoot, entry)}`);
  leftovers.push(...claims);
  const processes = execFileSync('ps', ['-eo', 'pid,ppid,args'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, ppid, command, ...args]) => {
      const line = [command, ...args].join(' ');
      const isOurTool = Number(ppid) === process.pid && /(^|\/)(psql|pg_restore|initdb|pg_ctl|bwrap)$/.test(command ?? '');
      return Number(pid) !== process.pid && (line.includes(sandboxRoot) || isOurTool);
    });
  return [...leftovers, ...processes.map((p) => `process ${p.join(' ')}`)];
}

/** A valid plain dump that takes `seconds` to restore: time to cancel it or kill its worker. */
export function slowPlainDump(env: DrillTestEnv, seconds: number): string {
  const file = scratchCopy(env, 'good.sql', `slow-${seconds}s.sql`);
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('-- PostgreSQL database dump complete', `SELECT pg_sleep(${seconds});\n\n-- PostgreSQL database dump complete`));
  return file;
}

/** A copy of a fixture, for tests that damage it. */
export function scratchCopy(env: DrillTestEnv, fixture: string, name: string): string {
  const target = path.join(env.scratchDir, `${env.name}-${randomBytes(3).toString('hex')}-${name}`);
  fs.copyFileSync(env.fixture(fixture), target);
  return target;
}

export function postgresRequest(file: string, extra: Partial<FlatDrillRequest> = {}): FlatDrillRequest {
  return { engine: 'postgres', source: { kind: 'file', path: file }, ...extra };
}

/** Gives a test file its env for all its tests: created before the first, closed after the last. */
export function useDrillTestEnv(name: string, receive: (env: DrillTestEnv) => void, options: DrillTestEnvOptions = {}): void {
  let env: DrillTestEnv | undefined;
  beforeAll(async () => {
    env = await createDrillTestEnv(name, options);
    receive(env);
  });
  afterAll(async () => {
    await env?.close();
  });
}

/**
 * A drill test env without an in-process worker, served by real worker processes the test starts,
 * kills and hangs (scripts/services/worker-processes.ts), all killed when the file ends.
 */
export function useDrillTestEnvWithWorkerProcesses(name: string, receive: (env: DrillTestEnv, workers: WorkerProcesses) => void): void {
  let env: DrillTestEnv | undefined;
  let workers: WorkerProcesses | undefined;
  beforeAll(async () => {
    env = await createDrillTestEnv(name, { inProcessWorker: false });
    const logDir = fs.mkdtempSync(path.join(env.scratchDir, `${name}-workers-`));
    workers = new WorkerProcesses({ temporalAddress: env.temporalAddress, databaseUrl: env.databaseUrl, taskQueue: env.taskQueue, workerId: env.workerId, sandboxRoot: env.sandboxRoot, logDir });
    receive(env, workers);
  });
  afterAll(async () => {
    await workers?.killAll();
    await env?.close();
  });
}
