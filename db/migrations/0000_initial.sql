CREATE TABLE "drill_checks" (
	"drill_id" text NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"passed" boolean NOT NULL,
	"observed" text NOT NULL,
	"expected" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "drill_checks_drill_id_name_pk" PRIMARY KEY("drill_id","name")
);
--> statement-breakpoint
CREATE TABLE "drill_steps" (
	"drill_id" text NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"bytes" bigint,
	"message" text,
	CONSTRAINT "drill_steps_drill_id_name_pk" PRIMARY KEY("drill_id","name")
);
--> statement-breakpoint
CREATE TABLE "drill_tables" (
	"drill_id" text NOT NULL,
	"database" text NOT NULL,
	"schema" text NOT NULL,
	"name" text NOT NULL,
	"rows" bigint NOT NULL,
	CONSTRAINT "drill_tables_drill_id_database_schema_name_pk" PRIMARY KEY("drill_id","database","schema","name")
);
--> statement-breakpoint
CREATE TABLE "drills" (
	"id" text PRIMARY KEY NOT NULL,
	"plan_id" text,
	"engine" text NOT NULL,
	"source_uri" text NOT NULL,
	"outcome" text NOT NULL,
	"failed_step" text,
	"reason" text,
	"format" text,
	"backup" jsonb,
	"request" jsonb NOT NULL,
	"table_count" integer,
	"total_rows" bigint,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "drill_checks" ADD CONSTRAINT "drill_checks_drill_id_drills_id_fk" FOREIGN KEY ("drill_id") REFERENCES "public"."drills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drill_steps" ADD CONSTRAINT "drill_steps_drill_id_drills_id_fk" FOREIGN KEY ("drill_id") REFERENCES "public"."drills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drill_tables" ADD CONSTRAINT "drill_tables_drill_id_drills_id_fk" FOREIGN KEY ("drill_id") REFERENCES "public"."drills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drills_started_at_idx" ON "drills" USING btree ("started_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "drills_plan_id_idx" ON "drills" USING btree ("plan_id","started_at" DESC NULLS LAST);