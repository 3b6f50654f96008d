/** `drill evidence DRILL | key | verify FILE`: signed proof that a backup was tested, checked offline. */
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyEvidence } from '../../core/evidence.js';
import { apiClient, bodyOf, byId } from '../api-client.js';
import { CliError, EXIT_BACKUP_FAILED, EXIT_PASSED } from '../exit-codes.js';

const USAGE = `Usage: drill evidence DRILL [-o FILE]       signed evidence of a finished drill (JSON)
       drill evidence key [-o FILE]         the public key it is signed with (PEM)
       drill evidence verify FILE --key KEY check a file offline against a key you trust
       drill evidence verify FILE           the same, with the key fetched from the API

verify exits 0 when the signature holds and 1 when it does not (the file was changed, or signed
by another key).`;

export async function evidenceCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { output: { type: 'string', short: 'o' }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const [first, second] = parsed.positionals;
  if (parsed.values.help || !first) {
    console.log(USAGE);
    return parsed.values.help ? EXIT_PASSED : 2;
  }
  if (first === 'verify') {
    if (!second) throw new CliError(`evidence verify needs the evidence FILE\n\n${USAGE}`);
    return verify(second, parsed.values.key);
  }
  if (first === 'key') {
    await emit(`${(await fetchKey()).publicKeyPem.trim()}\n`, parsed.values.output);
    return EXIT_PASSED;
  }
  const signed = await bodyOf(apiClient().drills[':id'].evidence.$get({ param: byId(first) }));
  await emit(`${JSON.stringify(signed, null, 2)}\n`, parsed.values.output);
  if (parsed.values.output) console.error(`evidence of drill ${first} written to ${parsed.values.output} (key ${signed.signature.keyId}; \`drill evidence key\` prints it)`);
  return EXIT_PASSED;
}

async function verify(file: string, keyFile: string | undefined): Promise<number> {
  const text = await readFileOrExplain(file, 'evidence file');
  const publicKeyPem = keyFile ? await readFileOrExplain(keyFile, '--key file') : (await fetchKey()).publicKeyPem;
  const check = verifyEvidence(text, publicKeyPem);
  if (!check.valid) {
    console.log(`INVALID: ${file}: ${check.problem}`);
    return EXIT_BACKUP_FAILED;
  }
  const { drill, backup, engines } = check.evidence;
  console.log(`VALID: ${file}: signed by key ${check.keyId}${keyFile ? ` (${keyFile})` : ' (fetched from the API)'} at ${check.evidence.issuedAt}`);
  console.log(`  drill ${drill.id}: ${drill.verdict}${drill.reason ? ` (${drill.reason})` : ''}, started ${drill.startedAt}`);
  if (backup) console.log(`  backup ${backup.location}, ${backup.sizeBytes} bytes${backup.sha256 ? `, sha256 ${backup.sha256}` : ''}`);
  console.log(`  made by ${engines.producer ?? 'an unrecorded producer'}; restored into ${engines.sandbox ?? 'an unrecorded server'}`);
  return EXIT_PASSED;
}

async function fetchKey() {
  return bodyOf(apiClient().evidence.key.$get());
}

async function readFileOrExplain(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

async function emit(text: string, output: string | undefined): Promise<void> {
  if (output) await fs.writeFile(output, text);
  else process.stdout.write(text);
}
