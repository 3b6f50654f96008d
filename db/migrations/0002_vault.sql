CREATE TABLE "vault_secrets" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"backend" text NOT NULL,
	"fingerprint" text,
	"ciphertext" "bytea",
	"iv" "bytea",
	"tag" "bytea",
	"wrapped_key" "bytea",
	"master_key_id" text,
	"aws_secret_arn" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "vault_secrets_name_unique" UNIQUE("name"),
	CONSTRAINT "vault_secrets_backend_check" CHECK ("vault_secrets"."backend" IN ('local', 'aws')),
	CONSTRAINT "vault_secrets_envelope_check" CHECK (("vault_secrets"."backend" = 'local' AND "vault_secrets"."ciphertext" IS NOT NULL AND "vault_secrets"."iv" IS NOT NULL AND "vault_secrets"."tag" IS NOT NULL AND "vault_secrets"."wrapped_key" IS NOT NULL AND "vault_secrets"."master_key_id" IS NOT NULL AND "vault_secrets"."aws_secret_arn" IS NULL)
        OR ("vault_secrets"."backend" = 'aws' AND "vault_secrets"."aws_secret_arn" IS NOT NULL AND "vault_secrets"."ciphertext" IS NULL AND "vault_secrets"."wrapped_key" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "vault_audit" (
	"id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"credential_name" text NOT NULL,
	"kind" text NOT NULL,
	"drill_id" text,
	"purpose" text
);
--> statement-breakpoint
CREATE INDEX "vault_audit_credential_idx" ON "vault_audit" USING btree ("credential_name","at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "vault_audit_at_idx" ON "vault_audit" USING btree ("at" DESC NULLS LAST);