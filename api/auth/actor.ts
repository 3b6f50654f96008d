/** Who is calling: what the authentication gate finds, and what records name. */
import type { Role } from '../../db/schema/users.js';

interface Caller {
  /** For records: "ana@example.com", "ana@example.com (token ci)", "anonymous 10.0.0.7". */
  name: string;
  /** The client's address as the API sees it. */
  address: string;
}

export type Actor =
  | (Caller & { kind: 'user'; userId: string; email: string; role: Role; via: 'session'; sessionId: string })
  | (Caller & { kind: 'user'; userId: string; email: string; role: Role; via: 'token'; tokenId: string })
  | (Caller & { kind: 'metrics' })
  | (Caller & { kind: 'anonymous' });

export type SignedIn = Extract<Actor, { kind: 'user' }>;
