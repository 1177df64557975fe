CREATE TABLE `agent_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`address` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_sessions_expires` ON `agent_sessions` (`expires_at`);