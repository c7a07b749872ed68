ALTER TABLE "agent_sessions" ADD COLUMN "processed_seqs" bigint[] DEFAULT '{}'::bigint[] NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_sessions" ADD COLUMN "runtime_id" text;