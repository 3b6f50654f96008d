/**
 * What a plan or channel names must exist: channels by name, vault credentials by name and of a
 * kind that fits their use. Checked when the plan is written, so a typo is a 422 now rather than
 * a drill error at 3am. Only names and kinds are read, never vault material.
 */
import { inArray } from 'drizzle-orm';
import type { CredentialKind } from '../../core/credentials.js';
import type { ChannelConfig } from '../../core/notify.js';
import type { Plan } from '../../core/plan.js';
import type { HistoryDb } from '../../db/client.js';
import { liveChannelsNamed } from '../../db/queries/channels.js';
import { vaultSecrets } from '../../db/schema/index.js';
import { CREDENTIAL_KIND_BY_SCHEME } from '../../activities/sources/locate.js';
import { ApiError } from '../middleware/errors.js';

interface CredentialUse {
  name: string;
  kinds: CredentialKind[];
  what: string;
}

async function checkCredentials(db: HistoryDb, uses: CredentialUse[]): Promise<string[]> {
  if (uses.length === 0) return [];
  const rows = await db.select({ name: vaultSecrets.name, kind: vaultSecrets.kind }).from(vaultSecrets).where(inArray(vaultSecrets.name, uses.map((u) => u.name)));
  const kindOf = new Map(rows.map((r) => [r.name, r.kind]));
  const problems: string[] = [];
  for (const use of uses) {
    const kind = kindOf.get(use.name);
    if (!kind) problems.push(`${use.what} names vault credential "${use.name}", which does not exist: add it with \`drill vault add --kind ${use.kinds[0]} --name ${use.name} --from-file FILE\``);
    else if (!use.kinds.includes(kind as CredentialKind)) problems.push(`${use.what} needs a ${use.kinds.join(' or ')} credential, but "${use.name}" is a ${kind} credential`);
  }
  return problems;
}

export async function checkPlanReferences(db: HistoryDb, plan: Plan): Promise<void> {
  const uses: CredentialUse[] = [];
  if (plan.source.kind === 'uri' && plan.source.credential) {
    const scheme = /^([a-z0-9]+):/i.exec(plan.source.uri)?.[1]?.toLowerCase() ?? '';
    const kind = CREDENTIAL_KIND_BY_SCHEME[scheme];
    if (!kind) throw new ApiError(422, 'reference_invalid', `source.credential: ${scheme}:// sources take no credential`);
    uses.push({ name: plan.source.credential, kinds: [kind], what: 'source.credential' });
  }
  if (plan.decryptWith) uses.push({ name: plan.decryptWith, kinds: ['age-identity', 'pgp-key'], what: 'decryptWith' });
  const problems = await checkCredentials(db, uses);
  const channels = await liveChannelsNamed(db, plan.notify.map((r) => r.channel));
  for (const route of plan.notify) {
    if (!channels.has(route.channel.toLowerCase())) problems.push(`notify: channel "${route.channel}" does not exist: create it first (drill channel add, POST /api/channels)`);
  }
  if (problems.length > 0) throw new ApiError(422, 'reference_invalid', problems.join('; '));
}

export async function checkChannelReferences(db: HistoryDb, config: ChannelConfig): Promise<void> {
  const uses: CredentialUse[] = [];
  if (config.kind === 'email' && config.smtp.credential) uses.push({ name: config.smtp.credential, kinds: ['smtp'], what: 'smtp.credential' });
  if (config.kind === 'slack') uses.push({ name: config.webhookUrl, kinds: ['secret-url'], what: 'webhookUrl' });
  if (config.kind === 'webhook') uses.push({ name: config.signingSecret, kinds: ['webhook-secret'], what: 'signingSecret' });
  if (config.kind === 'ping') uses.push({ name: config.url, kinds: ['secret-url'], what: 'url' });
  const problems = await checkCredentials(db, uses);
  if (problems.length > 0) throw new ApiError(422, 'reference_invalid', problems.join('; '));
}
