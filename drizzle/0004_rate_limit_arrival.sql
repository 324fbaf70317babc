DROP INDEX "rate_limit_grants_key_idx";--> statement-breakpoint
ALTER TABLE "rate_limit_grants" ADD COLUMN "arrived_by" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "rate_limit_grants_key_arrived_idx" ON "rate_limit_grants" USING btree ("key","arrived_by");