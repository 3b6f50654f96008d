/**
 * A plan: one backup under test. Where it lives and how to pick it, what it is, where to restore
 * it, what to check, whom to tell and when to drill. One schema for the API, the CLI and the
 * workflow: a drill runs a snapshot of a plan (an ad-hoc drill runs an unsaved one).
 */
import { z } from 'zod';
import { drillChecksSchema } from './checks.js';
import { vaultNameSchema } from './credentials.js';
import { DUMP_FORMATS, ENGINE_FORMATS, ENGINES } from './engines.js';
import { notifyRouteSchema } from './notify.js';
import { scheduleSchema } from './schedule.js';
import { sourceSchema } from './source.js';

/**
 * How much of the host a local sandbox may use (parallel restore jobs); the cloud sandboxes map
 * these to task/instance sizes. `auto` sizes from the host.
 */
export const SANDBOX_SIZES = ['auto', 'small', 'medium', 'large'] as const;
export type SandboxSize = (typeof SANDBOX_SIZES)[number];

export const sandboxSpecSchema = z
  .object({
    kind: z.literal('local'),
    size: z.enum(SANDBOX_SIZES).default('auto'),
  })
  .strict();

/** Scripts whose letters look alike: a name mixing them is a look-alike of another name. */
const CONFUSABLE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

/**
 * Printable, in any script but not mixing look-alike ones ("Nightly аpp" with a Cyrillic а is
 * another plan that reads the same), normalized (NFKC, single spaces) so that names compare as
 * they look; "summary" is the API's.
 */
const planName = z
  .string()
  .transform((name) => name.normalize('NFKC').replace(/\s+/gu, ' ').trim())
  .pipe(
    z
      .string()
      .min(1, 'a plan needs a name')
      .max(100)
      .refine((name) => !/[\p{Cc}\p{Cf}]/u.test(name), 'no control or invisible formatting characters')
      .refine((name) => CONFUSABLE_SCRIPTS.filter((script) => script.test(name)).length <= 1, 'mixes Latin, Cyrillic or Greek letters, which look alike: write the name in one of them')
      .refine((name) => name.toLowerCase() !== 'summary', '"summary" is reserved (GET /api/plans/summary)'),
  );

export const ALERT_REPEAT = ['once-per-streak', 'every-drill'] as const;

/** The plan's fields without the cross-field rules (what a partial edit is checked against). */
export const planFieldsSchema = z
  .object({
    name: planName,
    description: z.string().max(2000).optional(),
    engine: z.enum(ENGINES),
    /**
     * Version of the server that made the backup ("16", "16.4", "10.11", "7.0"). The drill reads
     * the producer from the dump too and fails on a mismatch before restoring anything.
     */
    engineVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, 'a version like "16", "16.4" or "10.11.6"').optional(),
    /**
     * MySQL/MariaDB: the database a dump without CREATE DATABASE / USE restores into when its
     * header names none (mysqldump records the one it dumped), so views and routines that name it
     * keep working. PostgreSQL base backups: the database assertions run in (default `postgres`).
     */
    database: z
      .string()
      .min(1)
      .max(64)
      .refine((name) => !name.startsWith('-') && !/[\p{Cc}\p{Cf}`/\\]/u.test(name) && name === name.trim(), 'a database name: no leading dash, backticks, slashes, control characters or surrounding spaces')
      .optional(),
    source: sourceSchema,
    /** Vault name of the PGP key or age identity that decrypts the backup (used only if it is encrypted). */
    decryptWith: vaultNameSchema.optional(),
    format: z.enum(DUMP_FORMATS).default('auto'),
    sandbox: sandboxSpecSchema.prefault({ kind: 'local' }),
    checks: drillChecksSchema.prefault({}),
    /** No schedule: the plan drills only when asked (run now, CLI, API). */
    schedule: scheduleSchema.nullable().default(null),
    notify: z
      .array(notifyRouteSchema)
      .max(20)
      .default([])
      .refine((routes) => new Set(routes.map((r) => r.channel)).size === routes.length, 'route each channel once (list its events together)'),
    /** Verified recovery point objective: alert when the newest backup proven restorable is older. */
    rpoHours: z.number().positive().max(24 * 400).optional(),
    /** once-per-streak: one failed/error alert until the plan passes again; every-drill: each one. */
    alertRepeat: z.enum(ALERT_REPEAT).default('once-per-streak'),
  })
  .strict();

export const planSchema = planFieldsSchema
  .superRefine((plan, ctx) => {
    const formats = ENGINE_FORMATS[plan.engine];
    if (!formats.includes(plan.format)) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: `${plan.engine} backups come as ${formats.map((f) => `"${f}"`).join(', ')}; "${plan.format}" is not one of them` });
    }
    const mismatched = plan.checks.assertions.find((a) => (plan.engine === 'mongodb') !== (a.mongo !== undefined));
    if (mismatched) {
      ctx.addIssue({ code: 'custom', path: ['checks', 'assertions'], message: `assertion "${mismatched.name}": ${plan.engine === 'mongodb' ? 'MongoDB plans take "mongo" queries, not "sql"' : 'SQL engines take "sql" queries, not "mongo"'}` });
    }
  })
  .meta({ id: 'Plan' });

/** What callers send (defaults optional). */
export type PlanInput = z.input<typeof planSchema>;
/** A plan with its defaults applied. */
export type Plan = z.output<typeof planSchema>;

/** A stored plan as the API shows it. */
export interface SavedPlan {
  id: string;
  version: number;
  plan: Plan;
  paused: boolean;
  pauseNote: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

/** Readable and unique: "nightly-app-3f9a2c" from "Nightly app". */
export function planIdFor(name: string, random: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${slug || 'plan'}-${random}`;
}

/**
 * New plans get ids like "nightly-app-3f9a2c" (planIdFor); plans migrated from the free-form
 * `--plan-id` of earlier versions keep theirs, so any printable id is accepted.
 */
export const planIdSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((id) => !/[\p{Cc}\p{Cf}\s]/u.test(id), 'a plan id such as "nightly-app-3f9a2c"');
