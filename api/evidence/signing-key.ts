/**
 * The Ed25519 key evidence is signed with: RESTORE_DRILL_EVIDENCE_KEY_FILE (a PKCS#8 PEM private
 * key, e.g. `openssl genpkey -algorithm ed25519`), or on a developer machine one generated once
 * into the data dir (mode 0600). Every API instance of a deployment must share it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { evidenceKeyId } from '../../core/evidence.js';
import { readOrCreateSecretFile } from '../../core/secret-keys.js';

export interface EvidenceSigner {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

export function loadEvidenceSigner(options: { dataDir: string }, env: NodeJS.ProcessEnv = process.env): EvidenceSigner {
  const configured = env.RESTORE_DRILL_EVIDENCE_KEY_FILE;
  const origin = configured ? `RESTORE_DRILL_EVIDENCE_KEY_FILE (${configured})` : path.join(options.dataDir, 'evidence-signing.key');
  const pem = configured
    ? readConfigured(configured, origin)
    : readOrCreateSecretFile(origin, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim()).text;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${origin} does not hold a PEM private key (create one with \`openssl genpkey -algorithm ed25519\`)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${origin} holds a ${privateKey.asymmetricKeyType} key; evidence is signed with Ed25519 (\`openssl genpkey -algorithm ed25519\`)`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: evidenceKeyId(publicKey) };
}

function readConfigured(file: string, origin: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${origin}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
