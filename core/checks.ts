/**
 * The verification a plan declares, in one schema. Levels 1–4 (exists, integrity, restorable,
 * readable) are on with sane defaults; the deeper levels are switched on by declaring them, since
 * they need knowledge only the plan's owner has (which column is a timestamp, what a query must
 * return, how much a table may shrink).
 */
import { z } from 'zod';
import { parseExpectation } from './expectation.js';

/** The levels a check belongs to, in the order a drill reaches them. */
export const CHECK_LEVELS = ['exists', 'integrity', 'restorable', 'readable', 'plausible', 'custom', 'native'] as const;
export type CheckLevel = (typeof CHECK_LEVELS)[number];

/** What a user query returns to an assertion: the first column of the first row, or null. */
export type ScalarValue = string | number | boolean | null;

const regexSource = z.string().min(1).refine((source) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

const expectation = z.string().min(1).superRefine((text, ctx) => {
  try {
    parseExpectation(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const jsonObject = z.record(z.string(), z.unknown());

/** A MongoDB query as JSON: exactly one of count, find or aggregate on one collection. */
export const mongoQuerySchema = z
  .object({
    /** Database of the collection; the only restored user database when omitted. */
    database: z.string().min(1).optional(),
    collection: z.string().min(1),
    /** Number of documents matching this filter. */
    count: jsonObject.optional(),
    /** Value of `field` in the first document matching this filter (in `sort` order). */
    find: jsonObject.optional(),
    field: z.string().min(1).optional(),
    sort: jsonObject.optional(),
    /** First field (other than _id) of the pipeline's first result document. */
    aggregate: z.array(jsonObject).optional(),
  })
  .strict()
  .refine((q) => [q.count, q.find, q.aggregate].filter((part) => part !== undefined).length === 1, 'give exactly one of "count", "find" or "aggregate"')
  .refine((q) => q.find === undefined || q.field !== undefined, { message: '"find" needs "field": the value the expectation is compared with', path: ['field'] });
export type MongoQuery = z.infer<typeof mongoQuerySchema>;

export type AssertionQuery = { sql: string } | { mongo: MongoQuery };

export const assertionSchema = z
  .object({
    name: z.string().min(1).max(100),
    /** A read-only SQL query (PostgreSQL, MySQL/MariaDB); its first column of the first row is compared. */
    sql: z.string().min(1).optional(),
    mongo: mongoQuerySchema.optional(),
    /** `>= 1000`, `> 0`, `== 0`, `!= 'x'`, `between 10 and 20`, `matches /^v\d+/`. */
    expect: expectation,
    timeoutSeconds: z.number().positive().max(3600).default(60),
  })
  .strict()
  .refine((a) => (a.sql === undefined) !== (a.mongo === undefined), 'give exactly one of "sql" or "mongo"');
export type Assertion = z.infer<typeof assertionSchema>;

export const freshnessSchema = z
  .object({
    /** `table`, `schema.table` or `database.collection`. */
    table: z.string().min(1),
    /** A timestamp/date column (or field): its newest value must be recent. */
    column: z.string().min(1),
    /** Allowed gap between the newest value and the backup's modification time. */
    maxAgeHours: z.number().positive(),
  })
  .strict();
export type Freshness = z.infer<typeof freshnessSchema>;

export const rowDriftSchema = z
  .object({
    /** Fail when a table has lost more than this share of its rows since the last passing drill. */
    maxLossPercent: z.number().min(0).max(100).default(20),
    /** Per-table overrides, keyed like freshness tables. */
    tables: z.record(z.string(), z.number().min(0).max(100)).default({}),
    /** A table present in the last passing drill and missing now fails the drill. */
    failOnMissingTable: z.boolean().default(true),
  })
  .strict();
export type RowDrift = z.infer<typeof rowDriftSchema>;

export const drillChecksSchema = z
  .object({
    // Level 1, exists and fresh.
    /** A backup older than this is not a backup you can rely on: the drill fails at locate. */
    maxAgeSeconds: z.number().int().positive().optional(),
    minSizeBytes: z.number().int().min(0).default(1),
    /** Size change vs the plan's previous drill allowed, in percent either way; null turns it off. */
    maxSizeChangePercent: z.number().positive().nullable().default(50),
    // Level 2, integrity.
    /** Fail when no `<file>.sha256` sidecar exists (a wrong one always fails). */
    requireChecksum: z.boolean().default(false),
    // Level 3, restorable.
    /** Error lines (regex source) this plan's restores are known to produce harmlessly. */
    allowErrors: z.array(regexSource).default([]),
    // Level 4, readable.
    minTables: z.number().int().min(0).default(1),
    minRows: z.number().int().min(0).default(1),
    // Level 5, plausible.
    rowDrift: rowDriftSchema.optional(),
    freshness: z.array(freshnessSchema).default([]),
    // Level 6, custom assertions.
    assertions: z
      .array(assertionSchema)
      .default([])
      .refine((list) => new Set(list.map((a) => a.name)).size === list.length, 'assertion names must be unique'),
    // Level 7, engine-native integrity (amcheck, CHECK TABLE, validate).
    nativeIntegrity: z.boolean().default(false),
  })
  .strict();
export type DrillChecks = z.infer<typeof drillChecksSchema>;
export type DrillChecksRequest = z.input<typeof drillChecksSchema>;

/** The level each check belongs to, by name; assertion and freshness checks carry a suffix. */
const LEVEL_BY_CHECK: Record<string, CheckLevel> = {
  present: 'exists',
  access: 'exists',
  age: 'exists',
  size: 'exists',
  'size-change': 'exists',
  checksum: 'integrity',
  decompress: 'integrity',
  decrypt: 'integrity',
  format: 'restorable',
  producer: 'restorable',
  restore: 'restorable',
  complete: 'restorable',
  readable: 'readable',
  tables: 'readable',
  rows: 'readable',
  'row-drift': 'plausible',
  freshness: 'plausible',
  assertion: 'custom',
  'native-integrity': 'native',
};

export function checkLevel(checkName: string): CheckLevel {
  return LEVEL_BY_CHECK[checkName.split(':')[0]!] ?? 'restorable';
}

/** A failed check as a drill's reason: the level first, so a reader knows what kind of failure. */
export function failureReason(check: { name: string; message: string }): string {
  return `[${checkLevel(check.name)}] ${check.message}`;
}
