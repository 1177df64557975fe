ALTER TABLE `node_challenges` ADD `rounds` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `node_challenges` ADD `ready_at` integer;