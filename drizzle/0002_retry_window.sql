ALTER TABLE "jobs" ALTER COLUMN "max_attempts" SET DEFAULT 1000;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "first_failed_at" timestamp with time zone;--> statement-breakpoint
-- Jobs still waiting get the new policy too: the old default of 8 attempts ended retries after ~21 minutes.
UPDATE "jobs" SET "max_attempts" = 1000 WHERE "max_attempts" = 8 AND "status" IN ('queued', 'running');
