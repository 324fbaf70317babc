ALTER TABLE "crm_accounts" ADD COLUMN "viewer_token_hash" text;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_accounts_viewer_token_idx" ON "crm_accounts" USING btree ("viewer_token_hash");