CREATE TABLE "channels" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_failure_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"pause_note" text,
	"schedule_since" timestamp with time zone,
	"schedule_fingerprint" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notification_events" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"plan_id" text,
	"drill_id" text,
	"canary" boolean DEFAULT false NOT NULL,
	"subject" text NOT NULL,
	"facts" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" text NOT NULL,
	"detail" text,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
DROP INDEX "drills_started_at_idx";--> statement-breakpoint
DROP INDEX "drills_plan_id_idx";--> statement-breakpoint
DROP INDEX "vault_audit_credential_idx";--> statement-breakpoint
DROP INDEX "vault_audit_at_idx";--> statement-breakpoint
ALTER TABLE "drills" ADD COLUMN "plan_name" text;--> statement-breakpoint
ALTER TABLE "drills" ADD COLUMN "plan_version" integer;--> statement-breakpoint
ALTER TABLE "drills" ADD COLUMN "trigger" text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE "drills" ADD COLUMN "canary" jsonb;--> statement-breakpoint
ALTER TABLE "notification_events" ADD CONSTRAINT "notification_events_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_event_id_notification_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."notification_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "channels_live_name_idx" ON "channels" USING btree (lower("name")) WHERE "channels"."deleted_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "plans_live_name_idx" ON "plans" USING btree (lower("name")) WHERE "plans"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "notification_events_plan_idx" ON "notification_events" USING btree ("plan_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "notification_events_drill_idx" ON "notification_events" USING btree ("drill_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_attempt_idx" ON "notifications" USING btree ("event_id","channel_id","attempt");--> statement-breakpoint
CREATE INDEX "notifications_channel_idx" ON "notifications" USING btree ("channel_id","started_at" DESC NULLS FIRST);--> statement-breakpoint
-- Drills recorded under free-form --plan-id values before plans existed: each such id becomes a
-- plan (no schedule, spec from its latest drill), so history keeps its grouping and drift baselines.
WITH "latest" AS (
	SELECT DISTINCT ON ("plan_id") "plan_id", "request" FROM "drills" WHERE "plan_id" IS NOT NULL ORDER BY "plan_id", "started_at" DESC
), "named" AS (
	SELECT "plan_id", "request", CASE WHEN row_number() OVER (PARTITION BY lower("plan_id") ORDER BY "plan_id") = 1 THEN "plan_id" ELSE "plan_id" || ' #' || row_number() OVER (PARTITION BY lower("plan_id") ORDER BY "plan_id") END AS "name" FROM "latest"
)
INSERT INTO "plans" ("id", "name", "spec", "created_by")
SELECT "plan_id", "name", ("request" - 'planId') || jsonb_build_object('name', "name"), 'migration 0003' FROM "named";--> statement-breakpoint
-- A drill's record is now the plan snapshot it ran: {planId, planVersion, plan, trigger, requestedBy}.
UPDATE "drills" SET
	"plan_name" = coalesce((SELECT "name" FROM "plans" WHERE "plans"."id" = "drills"."plan_id"), 'ad hoc'),
	"plan_version" = CASE WHEN "plan_id" IS NULL THEN NULL ELSE 1 END,
	"request" = jsonb_build_object(
		'planId', "plan_id",
		'planVersion', CASE WHEN "plan_id" IS NULL THEN NULL ELSE 1 END,
		'plan', ("request" - 'planId') || jsonb_build_object('name', coalesce((SELECT "name" FROM "plans" WHERE "plans"."id" = "drills"."plan_id"), 'ad hoc')),
		'trigger', 'manual',
		'requestedBy', NULL)
WHERE NOT ("request" ? 'plan');--> statement-breakpoint
ALTER TABLE "drills" ADD CONSTRAINT "drills_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drills_outcome_idx" ON "drills" USING btree ("outcome","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "drills_engine_idx" ON "drills" USING btree ("engine","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "drills_plan_canary_idx" ON "drills" USING btree ("plan_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE "drills"."trigger" = 'canary';--> statement-breakpoint
CREATE INDEX "drills_plan_running_idx" ON "drills" USING btree ("plan_id","started_at" DESC NULLS FIRST) WHERE "drills"."outcome" = 'running';--> statement-breakpoint
CREATE INDEX "drills_started_at_idx" ON "drills" USING btree ("started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "drills_plan_id_idx" ON "drills" USING btree ("plan_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "vault_audit_credential_idx" ON "vault_audit" USING btree ("credential_name","at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "vault_audit_at_idx" ON "vault_audit" USING btree ("at" DESC NULLS FIRST);