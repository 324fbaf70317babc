CREATE TABLE "backfill_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"account_id" text NOT NULL,
	"object_type" text NOT NULL,
	"state" text DEFAULT 'listing' NOT NULL,
	"dry_run" boolean DEFAULT false NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cursor" text,
	"total" integer,
	"listed" integer DEFAULT 0 NOT NULL,
	"enqueued" integer DEFAULT 0 NOT NULL,
	"already_queued" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"listed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "job_account_turns" (
	"source" text NOT NULL,
	"account_id" text NOT NULL,
	"served_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_account_turns_source_account_id_pk" PRIMARY KEY("source","account_id")
);
--> statement-breakpoint
CREATE INDEX "backfill_runs_state_idx" ON "backfill_runs" USING btree ("state");--> statement-breakpoint
CREATE INDEX "jobs_backfill_run_idx" ON "jobs" USING btree ((("payload" -> 'backfill' ->> 'runId')),"status") WHERE "jobs"."reason" = 'backfill';