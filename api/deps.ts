/** What the API is built with: the history database, Temporal, and where links point. */
import type { Client } from '@temporalio/client';
import type { PublicLinks } from '../activities/deps.js';
import type { HistoryDb } from '../db/client.js';
import type { ApiAuth } from './auth/api-auth.js';
import type { EvidenceSigner } from './evidence/signing-key.js';
import type { CodecEndpoint } from './routes/codec.js';
import type { VaultAdmin } from './routes/vault.js';

export interface TemporalAccess {
  client: Client;
  taskQueue: string;
  namespace: string;
}

export interface ApiDeps {
  db: HistoryDb;
  temporal: TemporalAccess;
  links: PublicLinks;
  /** Host names beyond loopback and the public URL's that the API answers to. */
  allowedHosts?: string[];
  codec?: CodecEndpoint;
  auth: ApiAuth;
  /** Signs drill evidence (Ed25519). */
  evidence: EvidenceSigner;
  /** The vault behind /api/vault (list, add, remove); writes name the signed-in manager. */
  vault: VaultAdmin;
  /** The web app's build to serve at / (ui/dist); none: the API alone. */
  webAppDir?: string;
}
