CREATE TABLE "crm_accounts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"account_id" text NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"state_reason" text,
	"auth_kind" text NOT NULL,
	"origin" text NOT NULL,
	"credentials" text,
	"webhook_secret" text,
	"key_id" text,
	"mapping_override" jsonb,
	"token_expires_at" timestamp with time zone,
	"last_verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "crm_accounts_source_account_idx" ON "crm_accounts" USING btree ("source","account_id");