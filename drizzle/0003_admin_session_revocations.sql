CREATE TABLE "admin_session_revocations" (
	"mac" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
