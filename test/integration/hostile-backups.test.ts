/**
 * The hostile-backup corpus: plain PostgreSQL and MariaDB dumps, complete and otherwise sound,
 * that try to run commands, write outside the sandbox or read the worker's secrets through psql
 * meta-commands, COPY … PROGRAM, a C function bound to libc's system(), pg_read_file, the mysql
 * client's \! and system, LOAD_FILE, INTO OUTFILE and LOAD DATA LOCAL. Made at
 * test time from the real fixture dump. For each: no file appears outside the sandbox (the target
 * directory is world-writable, so only the jail keeps it out), the canaries planted in a data
 * directory, a sibling sandbox and the worker's environment appear in no record, and the drill
 * fails saying what the dump tried.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxSlotAccount } from '../../activities/sandboxes/accounts.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import { jailStatus } from '../../activities/sandboxes/jail.js';
import type { SandboxHandle } from '../../core/drill.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { dumpDatasetWith, MYSQL_FIXTURE_FILES } from '../support/mysql-fixtures.js';
import { startScratchPostgres } from '../support/scratch-postgres.js';
import { configuredPostgresInstallations } from '../../activities/engines/postgres/installations.js';
import { packagedMysqlServerOrThrow } from '../../activities/engines/mysql/servers.js';
import { postgresRequest, sandboxLeftovers, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { captureOutput, decodedHistoryText } from '../support/leak-search.js';
import type { DrillResult } from '../../core/drill.js';

const execFileAsync = promisify(execFile);

/** Debian's PostgreSQL 15 (what the fixtures are dumped with, so what restores them). */
const LIBRARY_DIR = '/usr/lib/postgresql/15/lib';

let env: DrillTestEnv;
useDrillTestEnv('hostile', (created) => (env = created));

const CANARY_DATA = `canary-data-${randomBytes(6).toString('hex')}`;
const CANARY_SIBLING = `canary-sibling-${randomBytes(6).toString('hex')}`;
const CANARY_ENV = `canary-env-${randomBytes(6).toString('hex')}`;
let outside: string;
let dataKey: string;
let siblingSecret: string;
let sibling: SandboxHandle;

let output: ReturnType<typeof captureOutput>;

/** The drill's records, its decoded Temporal history and everything the worker printed so far. */
async function everywhereItCouldLeak(result: DrillResult): Promise<string> {
  const tables = await Promise.all(['drills', 'drill_checks', 'drill_steps', 'drill_tables'].map(async (table) => JSON.stringify(await env.query(`SELECT * FROM ${table}`))));
  const history = await decodedHistoryText(env.client, result.drillId);
  // The search must see what it searches: the backup's path is only in the (decoded) payloads.
  expect(history).toContain(path.basename(result.backup!.uri));
  return [JSON.stringify(result), ...tables, history, output.text()].join('\n');
}

beforeAll(async () => {
  output = captureOutput();
  process.env.RESTORE_DRILL_TEST_CANARY = CANARY_ENV;
  // World-writable and world-readable: only the jail, not file modes, keeps a sandbox out of them.
  outside = fs.mkdtempSync(path.join(env.scratchDir, 'outside-'));
  fs.chmodSync(outside, 0o777);
  const dataDir = fs.mkdtempSync(path.join(env.scratchDir, 'data-'));
  fs.chmodSync(dataDir, 0o755);
  dataKey = path.join(dataDir, 'master.key');
  fs.writeFileSync(dataKey, CANARY_DATA, { mode: 0o644 });
  sibling = await createLocalSandbox('hostile-sibling', 'postgres', { hostTaskQueue: 'elsewhere', rootDir: env.sandboxRoot });
  siblingSecret = path.join(sibling.dataDir, 'secret.txt');
  fs.writeFileSync(siblingSecret, CANARY_SIBLING, { mode: 0o644 });
  fs.chownSync(siblingSecret, sibling.uid, sibling.gid);
  return async () => {
    output.stop();
    await removeLocalSandbox(sibling);
    delete process.env.RESTORE_DRILL_TEST_CANARY;
  };
});

/** The fixture dump with `sql` inserted after its SET preamble: otherwise a sound, complete dump. */
function hostileDump(name: string, sql: string): string {
  const dump = fs.readFileSync(env.fixture(FIXTURE_FILES.plain), 'utf8');
  const at = dump.indexOf('SET row_security = off;\n') + 'SET row_security = off;\n'.length;
  expect(at).toBeGreaterThan(100);
  const file = path.join(env.scratchDir, `hostile-${name}-${randomBytes(3).toString('hex')}.sql`);
  fs.writeFileSync(file, `${dump.slice(0, at)}\n${sql}\n${dump.slice(at)}`);
  return file;
}

const CASES: Array<{ name: string; sql: () => string; reason: RegExp }> = [
  { name: 'shell escape', sql: () => `\\! touch ${outside}/shell-ran`, reason: /tried to run commands or read files .*\(\\! at line \d+\)/ },
  { name: 'output to a pipe', sql: () => `\\o |touch ${outside}/pipe-ran\nSELECT 1;\n\\o`, reason: /\\o at line \d+, \\o at line \d+/ },
  { name: '\\copy to a program', sql: () => `\\copy (SELECT 1) TO PROGRAM 'touch ${outside}/copy-ran'`, reason: /\\copy at line \d+/ },
  { name: 'a meta-command inside a line', sql: () => `SELECT 1 \\! touch ${outside}/midline-ran\n;`, reason: /psql refused 1 more backslash command\(s\) inside lines/ },
  { name: '\\i of a worker file', sql: () => `\\i ${dataKey}`, reason: /\\i at line \d+/ },
  {
    name: 'COPY FROM PROGRAM',
    sql: () => `CREATE TABLE public.loot (x text);\nCOPY public.loot FROM PROGRAM 'cat ${dataKey} ${siblingSecret} /proc/${process.pid}/environ; touch ${outside}/program-ran';`,
    reason: /tried to run shell commands .*COPY … PROGRAM at line \d+/,
  },
  {
    // Not at the start of a line, so the script filter cannot see it, and a command that would
    // succeed inside the jail: only the jail having no shell makes the attempt fail, and show.
    name: 'COPY … PROGRAM hidden in a DO block',
    sql: () => `DO $$BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''id > /dev/null'''; END$$;`,
    reason: /tried to run shell commands .*COPY … PROGRAM "id > \/dev\/null", refused by the sandbox server/,
  },
  {
    name: 'a C function bound to libc system()',
    sql: () => `CREATE FUNCTION public.sys(cstring) RETURNS integer\n    LANGUAGE c STRICT\n    AS '/lib/x86_64-linux-gnu/libc.so.6', 'system';\nSELECT public.sys('touch ${outside}/c-ran; cat ${dataKey} > /tmp/stolen');`,
    reason: /a C function bound to libc\.so\.6's system\(\) at line \d+/,
  },
];

describe('hostile backups are contained and reported', () => {
  it('runs sandbox processes jailed on this host', async () => {
    const status = await jailStatus(await sandboxSlotAccount(1));
    expect(status.detail).toMatch(/^bubblewrap \d+\.\d+/);
    expect(status.jailed).toBe(true);
  });

  it.each(CASES)('$name: nothing escapes, no canary leaks, the drill fails saying what the dump tried', async ({ name, sql, reason }) => {
    const result = await env.runDrill(postgresRequest(hostileDump(name.replace(/\W+/g, '-'), sql())));
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(reason);
    expect(result.reason).toMatch(/which no pg_dump output does/);
    expect(fs.readdirSync(outside)).toEqual([]);
    const record = await everywhereItCouldLeak(result);
    for (const canary of [CANARY_DATA, CANARY_SIBLING, CANARY_ENV]) expect(record).not.toContain(canary);
    expect(fs.readFileSync(siblingSecret, 'utf8')).toBe(CANARY_SIBLING);
    expect(sandboxLeftovers(env.sandboxRoot).filter((dir) => !dir.includes('hostile-sibling'))).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)('a library the dump writes into the server\'s files cannot be loaded, by LOAD or by a C function, and the attempt is named', async () => {
    // A real PostgreSQL module, so only the sandbox's noexec mount can make LOAD fail.
    const module = fs.readFileSync(path.join(LIBRARY_DIR, 'plpgsql.so')).toString('base64');
    const writeLibrary = (name: string) => `DO $$DECLARE o oid; BEGIN o := lo_from_bytea(0, decode('${module}', 'base64')); PERFORM lo_export(o, current_setting('data_directory') || '/${name}'); PERFORM lo_unlink(o); END$$;`;
    const load = await env.runDrill(postgresRequest(hostileDump('load-planted', `${writeLibrary('planted.so')}\nDO $$BEGIN EXECUTE 'LOAD ' || quote_literal(current_setting('data_directory') || '/planted.so'); END$$;`)));
    expect(load.outcome).toBe('failed');
    expect(load.reason).toMatch(/the dump tried to run code of its own .*it loaded planted\.so, a library it wrote.*The sandbox cannot run files it writes/);

    const bound = await env.runDrill(postgresRequest(hostileDump('bound-planted', `${writeLibrary('bound.so')}\nSET check_function_bodies = false;\nDO $$BEGIN EXECUTE format('CREATE FUNCTION public.innocent() RETURNS void LANGUAGE c AS %L, %L', current_setting('data_directory') || '/bound.so', 'plpgsql_call_handler'); END$$;`)));
    expect(bound.outcome).toBe('failed');
    // CREATE FUNCTION … LANGUAGE c loads its library at once, whatever check_function_bodies says.
    expect(bound.reason).toMatch(/the dump tried to run code of its own .*it loaded bound\.so, a library it wrote.*The sandbox cannot run files it writes/);
  });

  it("a dump's own count(*) on the search path it set for every role answers neither the inspection nor an assertion", async () => {
    const forged = hostileDump(
      'forged-count',
      [
        'CREATE SCHEMA zz;',
        'CREATE FUNCTION zz.inc(bigint) RETURNS bigint LANGUAGE sql AS $$SELECT $1$$;',
        "CREATE AGGREGATE zz.count(*) (sfunc = zz.inc, stype = bigint, initcond = '3466');",
        'GRANT USAGE ON SCHEMA zz TO PUBLIC;',
        'ALTER ROLE ALL SET search_path = zz, pg_catalog, public;',
      ].join('\n'),
    );
    // The dump's data, then its orders emptied: a backup that lost its orders.
    const text = fs.readFileSync(forged, 'utf8');
    fs.writeFileSync(forged, text.replace('-- PostgreSQL database dump complete', () => 'ALTER TABLE public.orders DISABLE TRIGGER ALL; DELETE FROM public.orders;\n\n-- PostgreSQL database dump complete'));
    const result = await env.runDrill(postgresRequest(forged, { checks: { assertions: [{ name: 'orders', sql: 'SELECT count(*) FROM public.orders', expect: '> 3000' }] } }));
    expect(result.tables.find((t) => t.name === 'orders')?.rows).toBe(0);
    expect(result.outcome).toBe('failed');
    expect(result.checks.find((c) => c.name === 'assertion:orders')).toMatchObject({ passed: false, message: expect.stringContaining('the query returned "0"') });
  });

  it('pg_read_file of a worker file or a sibling sandbox finds nothing there: the jail shows neither', async () => {
    const file = hostileDump('read-file', `CREATE TABLE public.loot AS SELECT pg_read_file('${dataKey}') AS a, pg_read_file('${siblingSecret}') AS b;`);
    const result = await env.runDrill(postgresRequest(file));
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/could not open file .*master\.key.*: No such file or directory/);
    const record = await everywhereItCouldLeak(result);
    for (const canary of [CANARY_DATA, CANARY_SIBLING, CANARY_ENV]) expect(record).not.toContain(canary);
  });
});

describe('assertions cannot write or leave their transaction', () => {
  it('run as a role that can only read, one statement each', async () => {
    const result = await env.runDrill(
      postgresRequest(env.fixture(FIXTURE_FILES.custom), {
        checks: {
          assertions: [
            { name: 'escape', sql: 'SELECT 1; COMMIT; DROP TABLE public.orders', expect: '== 1' },
            { name: 'read a host file', sql: "SELECT length(pg_read_file('/etc/hostname'))", expect: '>= 0' },
            { name: 'become superuser', sql: "SELECT set_config('role', 'postgres', false)", expect: "== 'postgres'" },
            { name: 'orders kept', sql: 'SELECT count(*) FROM public.orders', expect: '>= 1' },
          ],
        },
      }),
    );
    const check = (name: string) => result.checks.find((c) => c.name === `assertion:${name}`);
    expect(check('escape')).toMatchObject({ passed: false, message: expect.stringMatching(/cannot insert multiple commands into a prepared statement/) });
    expect(check('read a host file')).toMatchObject({ passed: false, message: expect.stringMatching(/permission denied for function pg_read_file/) });
    expect(check('become superuser')).toMatchObject({ passed: false, message: expect.stringMatching(/permission denied to set role "postgres"/) });
    expect(check('orders kept')?.passed).toBe(true);
    expect(result.outcome).toBe('failed');
  });
});

/** The MariaDB fixture dump with `sql` inserted before its first CREATE TABLE. */
function hostileMysqlDump(name: string, sql: string): string {
  const dump = fs.readFileSync(env.fixture(MYSQL_FIXTURE_FILES.plain), 'utf8');
  const at = dump.indexOf('DROP TABLE IF EXISTS');
  expect(at).toBeGreaterThan(100);
  const file = path.join(env.scratchDir, `hostile-${name}-${randomBytes(3).toString('hex')}.sql`);
  fs.writeFileSync(file, `${dump.slice(0, at)}${sql}\n${dump.slice(at)}`);
  return file;
}

const MYSQL_CASES: Array<{ name: string; sql: () => string; reason: RegExp }> = [
  { name: 'shell escape', sql: () => `\\! touch ${outside}/mysql-shell-ran`, reason: /the client command \\! at line \d+/ },
  { name: 'system command', sql: () => `system touch ${outside}/mysql-system-ran`, reason: /the client command system at line \d+/ },
  { name: 'LOAD_FILE of a worker file', sql: () => `SELECT LOAD_FILE('${dataKey}') INTO @stolen;`, reason: /LOAD_FILE\(\) at line \d+/ },
  { name: 'INTO OUTFILE outside the sandbox', sql: () => `SELECT 'owned' INTO OUTFILE '${outside}/mysql-outfile';`, reason: /SELECT … INTO OUTFILE at line \d+/ },
  { name: 'LOAD DATA LOCAL', sql: () => `CREATE TABLE loot (x TEXT);\nLOAD DATA LOCAL INFILE '${dataKey}' INTO TABLE loot;`, reason: /LOAD DATA at line \d+/ },
];

describe('hostile MySQL dumps are contained and reported', () => {
  it.each(MYSQL_CASES)('$name: nothing escapes, no canary leaks, the drill fails saying what the dump tried', async ({ name, sql, reason }) => {
    const result = await env.runDrill({ engine: 'mysql', source: { kind: 'file', path: hostileMysqlDump(name.replace(/\W+/g, '-'), sql()) } });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(reason);
    expect(result.reason).toMatch(/which no mysqldump output does/);
    expect(fs.readdirSync(outside)).toEqual([]);
    const record = await everywhereItCouldLeak(result);
    for (const canary of [CANARY_DATA, CANARY_SIBLING, CANARY_ENV]) expect(record).not.toContain(canary);
  });

  it('assertions run as an account that can only read', async () => {
    const result = await env.runDrill({
      engine: 'mysql',
      source: { kind: 'file', path: env.fixture(MYSQL_FIXTURE_FILES.plain) },
      checks: {
        assertions: [
          { name: 'escape', sql: 'SELECT 1; COMMIT; DROP TABLE shop.orders', expect: '== 1' },
          { name: 'escape harder', sql: 'SELECT 1; COMMIT; SET SESSION TRANSACTION READ WRITE; DROP TABLE shop.orders', expect: '== 1' },
          { name: 'read a host file', sql: "SELECT LOAD_FILE('/etc/hostname') IS NULL", expect: '== 1' },
          { name: 'orders kept', sql: 'SELECT COUNT(*) FROM shop.orders', expect: '== 700' },
        ],
      },
    });
    const check = (name: string) => result.checks.find((c) => c.name === `assertion:${name}`);
    expect(check('escape')).toMatchObject({ passed: false, message: expect.stringMatching(/Cannot execute statement in a READ ONLY transaction/) });
    // Past the read-only session, the account's privileges still refuse it.
    expect(check('escape harder')).toMatchObject({ passed: false, message: expect.stringMatching(/DROP command denied to user 'rd_reader_[0-9a-f]+'@'localhost'/) });
    expect(check('read a host file')?.passed).toBe(true);
    expect(check('orders kept')?.passed).toBe(true);
  });
});

describe('hostile archives are confined to themselves', () => {
  it("a directory dump whose data file links to a host file cannot read it: pg_restore sees only the archive", async () => {
    const dir = path.join(env.scratchDir, `hostile-dir-${randomBytes(3).toString('hex')}`);
    fs.cpSync(env.fixture(FIXTURE_FILES.directory), dir, { recursive: true });
    // A world-readable gzip of the canary elsewhere: without the jail, pg_restore would read it and
    // COPY would quote it in its error ("invalid input syntax … canary-data-…").
    const planted = path.join(env.scratchDir, `planted-${randomBytes(3).toString('hex')}.gz`);
    fs.writeFileSync(planted, gzipSync(`${CANARY_DATA}\n\\.\n`), { mode: 0o644 });
    const dataFile = fs.readdirSync(dir).find((name) => /^\d+\.dat\.gz$/.test(name))!;
    fs.rmSync(path.join(dir, dataFile));
    fs.symlinkSync(planted, path.join(dir, dataFile));
    const result = await env.runDrill(postgresRequest(dir));
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/could not open input file .*No such file or directory/);
    const record = JSON.stringify(result) + JSON.stringify(await env.query('SELECT * FROM drills')) + JSON.stringify(await env.query('SELECT * FROM drill_checks'));
    expect(record).not.toContain(CANARY_DATA);
  });
});

describe('hostile archives are named too', () => {
  it('a custom archive whose materialized view runs COPY … PROGRAM when refreshed fails saying so, and nothing runs', async () => {
    const installations = configuredPostgresInstallations();
    const bins = (await installations.forMajor(17)) ?? (await installations.list())[0]!;
    const server = await startScratchPostgres(bins, path.join(env.scratchDir, `refresh-${randomBytes(3).toString('hex')}`));
    try {
      const sql = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
      // Harmless where it is made (a TCP connection here); over the sandbox's Unix socket, at
      // pg_restore's REFRESH, it tries to run a command.
      await sql.unsafe(`CREATE FUNCTION public.refresh_payload() RETURNS int LANGUAGE plpgsql AS $f$
        BEGIN
          IF inet_server_port() IS NULL THEN
            EXECUTE 'COPY (SELECT 1) TO PRO' || 'GRAM ''touch ${outside}/refresh-ran''';
          END IF;
          RETURN 1;
        END $f$`);
      await sql.unsafe(`CREATE MATERIALIZED VIEW public.innocent AS SELECT public.refresh_payload() AS one`);
      await sql.end();
      const archive = path.join(env.scratchDir, `refresh-${randomBytes(3).toString('hex')}.dump`);
      await execFileAsync(bins.path('pg_dump'), ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-Fc', '-f', archive, 'postgres']);
      const result = await env.runDrill(postgresRequest(archive));
      expect(result.outcome).toBe('failed');
      expect(result.reason).toMatch(/tried to run shell commands .*COPY … PROGRAM "touch [^"]*refresh-[^"]*", refused by the sandbox server/);
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

describe('sound dumps are not taken for hostile ones', () => {
  it('pg_dumpall and pg_dump --create --inserts of databases with odd names and backslash-laden text pass', async () => {
    const installations = configuredPostgresInstallations();
    const bins = (await installations.forMajor(17)) ?? (await installations.list())[0]!;
    const server = await startScratchPostgres(bins, path.join(env.scratchDir, `odd-names-${randomBytes(3).toString('hex')}`));
    try {
      const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`CREATE DATABASE "my-app"`);
      await admin.unsafe(`CREATE DATABASE "o'x"`);
      await admin.end();
      for (const database of ['my-app', "o'x"]) {
        const sql = postgres(server.adminUrl.replace(/\/postgres$/, `/${encodeURIComponent(database)}`), { max: 1, onnotice: () => {} });
        await sql.unsafe(`CREATE TABLE notes (id int PRIMARY KEY, body text)`);
        // Text whose lines look like psql meta-commands and COPY statements: data, not commands.
        await sql.unsafe(`INSERT INTO notes VALUES (1, E'intro\\n\\\\begin{document}\\nCOPY x FROM stdin;\\n\\\\.\\n\\\\connect other'), (2, 'plain')`);
        await sql.end();
      }
      const all = path.join(env.scratchDir, `dumpall-${randomBytes(3).toString('hex')}.sql`);
      await execFileAsync(bins.path('pg_dumpall'), ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-f', all]);
      expect(fs.readFileSync(all, 'utf8')).toMatch(/^\\encoding SQL_ASCII$/m);
      const created = path.join(env.scratchDir, `create-inserts-${randomBytes(3).toString('hex')}.sql`);
      await execFileAsync(bins.path('pg_dump'), ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '--create', '--inserts', '-f', created, 'my-app']);
      for (const file of [all, created]) {
        const result = await env.runDrill(postgresRequest(file));
        expect(result.reason).toBeNull();
        expect(result.outcome).toBe('passed');
        expect(result.tables.filter((t) => t.name === 'notes').map((t) => t.rows)).toEqual(file === all ? [2, 2] : [2]);
      }
    } finally {
      await server.stop();
    }
  });

  it('a mariadb-dump whose routines write files and name a column "source" passes: routine bodies are definitions', async () => {
    const file = path.join(env.scratchDir, `routines-${randomBytes(3).toString('hex')}.sql`);
    await dumpDatasetWith(
      packagedMysqlServerOrThrow(),
      env.sandboxRoot,
      file,
      [
        'CREATE TABLE shop.exports (id INT PRIMARY KEY, source VARCHAR(20));',
        'DELIMITER //',
        'CREATE PROCEDURE shop.export_orders() BEGIN',
        "SELECT * FROM shop.orders INTO OUTFILE '/tmp/orders.csv';",
        'UPDATE shop.exports SET',
        "source = 'exported' WHERE id = 1;",
        'END//',
        'DELIMITER ;',
        '',
      ].join('\n'),
    );
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^DELIMITER ;;$/m);
    const result = await env.runDrill({ engine: 'mysql', source: { kind: 'file', path: file } });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
  });
});
