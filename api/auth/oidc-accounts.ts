/**
 * Which account an OpenID Provider identity signs in as: the one linked to its subject; else the
 * account with its email, if the provider verified that email (the link is then kept, so a later
 * change of email at the provider still signs in the same person); else, when configured, a new
 * account. An unverified email never matches: anyone can claim an address at some providers.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { OidcConfig } from '../../core/config.js';
import { emailSchema, normalizeEmail } from '../../core/email.js';
import type { HistoryDb } from '../../db/client.js';
import { users, type UserRow } from '../../db/schema/users.js';
import { ApiError } from '../middleware/errors.js';
import type { OidcIdentity } from './oidc.js';
import { changeUser, createUser, findUserByEmail } from './users.js';

/** What the sign-in did to accounts, for the audit trail. */
export type AccountChange = 'linked' | 'created' | 'promoted' | 'demoted';

export async function accountForIdentity(db: HistoryDb, identity: OidcIdentity, config: Pick<OidcConfig, 'createUsers'>): Promise<{ user: UserRow; changes: AccountChange[] }> {
  const changes: AccountChange[] = [];
  let user = (await db.select().from(users).where(eq(users.oidcSubject, identity.subject)))[0];
  if (!user) {
    if (!identity.email || !identity.emailVerified) {
      throw new ApiError(403, 'oidc_no_account', `the identity provider has not verified an email address for you${identity.email ? ` (${identity.email} is unverified)` : ''}, so no account can be matched: verify it at the provider, or ask a manager`);
    }
    // Only case is folded: look-alike spellings (fullwidth letters, ligatures) that NFKC would
    // merge are other mailboxes, and must not take over an account.
    const email = identity.email.trim().toLowerCase();
    if (normalizeEmail(email) !== email || !emailSchema.safeParse(email).success) {
      throw new ApiError(403, 'oidc_no_account', 'the identity provider\'s email address is not one this system can match safely (unusual characters): ask a manager to add you');
    }
    const byEmail = await findUserByEmail(db, email);
    if (byEmail?.disabledAt) throw new ApiError(403, 'oidc_no_account', `the account ${byEmail.email} is disabled: ask a manager`);
    if (byEmail?.oidcSubject) throw new ApiError(403, 'oidc_no_account', `the account ${byEmail.email} signs in as another identity of the provider: ask a manager`);
    if (byEmail) {
      // Compare-and-set: of two identities racing for one account, one links it.
      [user] = await db.update(users).set({ oidcSubject: identity.subject, updatedAt: new Date() }).where(and(eq(users.id, byEmail.id), isNull(users.oidcSubject))).returning();
      if (!user) throw new ApiError(403, 'oidc_no_account', `the account ${byEmail.email} signs in as another identity of the provider: ask a manager`);
      changes.push('linked');
    } else if (config.createUsers) {
      const created = await createUser(db, { email, role: identity.manager ? 'manager' : 'user', displayName: identity.name ?? undefined, createdBy: 'OpenID Connect sign-in' });
      [user] = await db.update(users).set({ oidcSubject: identity.subject }).where(eq(users.id, created.id)).returning();
      changes.push('created');
    } else {
      throw new ApiError(403, 'oidc_no_account', `there is no Restore Drill account for ${email}: ask a manager to add you (drill user add)`);
    }
  }
  if (user!.disabledAt) throw new ApiError(403, 'oidc_no_account', `the account ${user!.email} is disabled: ask a manager`);
  const synced = await syncRole(db, user!, identity.manager);
  if (synced.role !== user!.role) changes.push(synced.role === 'manager' ? 'promoted' : 'demoted');
  return { user: synced, changes };
}

/** With a manager claim configured, the provider decides the role at every sign-in; the last manager is never demoted. */
async function syncRole(db: HistoryDb, user: UserRow, manager: boolean | null): Promise<UserRow> {
  if (manager === null) return user;
  const role = manager ? 'manager' : 'user';
  if (user.role === role) return user;
  try {
    return await changeUser(db, user.id, { role });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'last_manager') return user;
    throw err;
  }
}
