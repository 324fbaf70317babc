CREATE TABLE "cbs_current" (
	"table_id" text PRIMARY KEY NOT NULL,
	"version_id" integer NOT NULL,
	"swapped_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cbs_refresh_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"instance" text NOT NULL,
	"status" text NOT NULL,
	"details" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cbs_table_parts" (
	"version_id" integer NOT NULL,
	"part" text NOT NULL,
	"seq" integer NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "cbs_table_parts_version_id_part_seq_pk" PRIMARY KEY("version_id","part","seq")
);
--> statement-breakpoint
CREATE TABLE "cbs_table_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"table_id" text NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"title" text,
	"modified" text,
	"updated" text,
	"meta_data_modified" text,
	"row_count" integer,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "enrichments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"lead_key" text NOT NULL,
	"source" text NOT NULL,
	"object_type" text NOT NULL,
	"object_id" text NOT NULL,
	"job_id" bigint,
	"version" text NOT NULL,
	"result" jsonb NOT NULL,
	"properties" jsonb NOT NULL,
	"previous_properties" jsonb,
	"write_status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"account_id" text NOT NULL,
	"object_type" text NOT NULL,
	"object_id" text NOT NULL,
	"lead_key" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 8 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"locked_by" text,
	"payload" jsonb NOT NULL,
	"last_error" text,
	"outcome" jsonb,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rate_limit_grants" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"granted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limit_state" (
	"key" text PRIMARY KEY NOT NULL,
	"limit" integer NOT NULL,
	"window_ms" integer NOT NULL,
	"paused_until" timestamp with time zone,
	"pause_reason" text,
	"daily_limit" integer,
	"daily_used" integer DEFAULT 0 NOT NULL,
	"daily_reset_at" timestamp with time zone,
	"observed" jsonb,
	"total_wait_ms" double precision DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"key" text PRIMARY KEY NOT NULL,
	"cursor" text NOT NULL,
	"ok" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"event_type" text NOT NULL,
	"job_id" bigint,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cbs_current" ADD CONSTRAINT "cbs_current_version_id_cbs_table_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."cbs_table_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cbs_table_parts" ADD CONSTRAINT "cbs_table_parts_version_id_cbs_table_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."cbs_table_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cbs_table_versions_table_idx" ON "cbs_table_versions" USING btree ("table_id","id");--> statement-breakpoint
CREATE INDEX "enrichments_lead_idx" ON "enrichments" USING btree ("lead_key","id");--> statement-breakpoint
CREATE INDEX "enrichments_created_idx" ON "enrichments" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "jobs_claim_idx" ON "jobs" USING btree ("status","run_at");--> statement-breakpoint
CREATE INDEX "jobs_lead_idx" ON "jobs" USING btree ("lead_key","id");--> statement-breakpoint
CREATE INDEX "jobs_source_status_idx" ON "jobs" USING btree ("source","status");--> statement-breakpoint
CREATE INDEX "rate_limit_grants_key_idx" ON "rate_limit_grants" USING btree ("key","granted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_events_dedupe_idx" ON "webhook_events" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "webhook_events_received_idx" ON "webhook_events" USING btree ("received_at");