/**
 * Where a plan's backups live, as data: a local path (optionally the newest match of a glob) or a
 * URI with the vault name of the credential that opens it. Never the credential itself.
 */
import { z } from 'zod';
import { vaultNameSchema } from './credentials.js';

export const fileSourceSchema = z
  .object({
    kind: z.literal('file'),
    /** An exact file or dump directory, or (with `pattern`) the directory to search. */
    path: z.string().min(1),
    /** Glob on file names in `path`; the newest match by modification time is drilled. */
    pattern: z.string().min(1).optional(),
  })
  .strict();
export type FileSource = z.infer<typeof fileSourceSchema>;

/** A backup behind a URI: s3://bucket/key or s3://bucket/prefix/, sftp://user@host:port/path, https://…, file:///… */
export const uriSourceSchema = z
  .object({
    kind: z.literal('uri'),
    uri: z
      .string()
      .regex(/^(s3|sftp|https?|file):\/\/\S+$/, 'a URI like s3://bucket/key, sftp://user@host/path, https://host/path or file:///path')
      // Plans travel into Temporal, alerts and the API: a password in the URI would too.
      .refine((uri) => !/^[a-z0-9]+:\/\/[^/@]*:[^/@]*@/i.test(uri), 'no password in the URI: put it in the vault and name it as "credential"'),
    /** Glob on object names under the URI's prefix/directory: the newest match is drilled. */
    latest: z.string().min(1).optional(),
    /** Vault name of the credential that opens the source (SSH key, AWS keys, HTTP auth). */
    credential: vaultNameSchema.optional(),
  })
  .strict();
export type UriSource = z.infer<typeof uriSourceSchema>;

export const sourceSchema = z.discriminatedUnion('kind', [fileSourceSchema, uriSourceSchema]);
export type BackupSourceSpec = z.infer<typeof sourceSchema>;

/**
 * A source as one URI-like string, for summaries and records (`s3://b/app/app-*.gz`). Tolerates a
 * malformed source: an unparseable request still gets a recorded drill.
 */
export function describeSource(source: Partial<{ kind: string; uri: string; latest: string; path: string; pattern: string }> | undefined): string {
  if (source?.kind === 'uri' && source.uri) return source.latest ? `${source.uri.replace(/\/?$/, '/')}${source.latest}` : source.uri;
  if (!source?.path) return 'unknown source';
  return source.pattern ? `file://${source.path.replace(/\/$/, '')}/${source.pattern}` : `file://${source.path}`;
}
