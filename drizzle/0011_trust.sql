CREATE TABLE `security_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	`detail` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `security_events_account` ON `security_events` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `node_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`seed` text NOT NULL,
	`size` integer NOT NULL,
	`gpus` integer NOT NULL,
	`status` text NOT NULL,
	`issued_at` integer NOT NULL,
	`commit_by` integer NOT NULL,
	`roots` text,
	`committed_at` integer,
	`open_rows` text,
	`judged_at` integer,
	`failure_reason` text,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `node_challenges_node` ON `node_challenges` (`node_id`,`issued_at`);--> statement-breakpoint
CREATE INDEX `node_challenges_status` ON `node_challenges` (`status`,`commit_by`);--> statement-breakpoint
CREATE TABLE `slashes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	`amount` text NOT NULL,
	`reason` text NOT NULL,
	`node_id` text,
	`rental_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `slashes_provider` ON `slashes` (`provider_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `unbondings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`amount` text NOT NULL,
	`requested_at` integer NOT NULL,
	`release_at` integer NOT NULL,
	`released_at` integer
);
--> statement-breakpoint
CREATE INDEX `unbondings_due` ON `unbondings` (`released_at`,`release_at`);--> statement-breakpoint
CREATE TABLE `merge_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`requester_identity_id` integer NOT NULL,
	`requester_account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`address` text NOT NULL,
	`status` text NOT NULL,
	`awaiting` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_at` integer,
	FOREIGN KEY (`requester_identity_id`) REFERENCES `chat_identities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`requester_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`target_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `merge_requests_status` ON `merge_requests` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `merge_requests_target` ON `merge_requests` (`target_account_id`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `security_hold_until` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `frozen_at` integer;--> statement-breakpoint
ALTER TABLE `nodes` ADD `cuda_version` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `free_disk_mb` integer;--> statement-breakpoint
ALTER TABLE `nodes` ADD `simulated` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `nodes` ADD `verification` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE `nodes` ADD `verified_at` integer;--> statement-breakpoint
ALTER TABLE `nodes` ADD `verified_gpus` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `nodes` ADD `measured_speed_bps` integer;--> statement-breakpoint
ALTER TABLE `nodes` ADD `verification_failure` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `next_challenge_at` integer;--> statement-breakpoint
ALTER TABLE `nodes` ADD `listed` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `providers` ADD `unlisted_until` integer;--> statement-breakpoint
ALTER TABLE `uptime_hours` ADD `rented_gpus` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_link_challenges` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`purpose` text DEFAULT 'link' NOT NULL,
	`identity_id` integer NOT NULL,
	`nonce` text NOT NULL,
	`address` text,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`identity_id`) REFERENCES `chat_identities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Link requests last 10 minutes and their tokens were stored in clear: old ones are dropped, not carried over.
DROP TABLE `link_challenges`;--> statement-breakpoint
ALTER TABLE `__new_link_challenges` RENAME TO `link_challenges`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `link_challenges_nonce_unique` ON `link_challenges` (`nonce`);--> statement-breakpoint
CREATE INDEX `link_challenges_identity` ON `link_challenges` (`identity_id`);