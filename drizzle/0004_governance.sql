CREATE TABLE `alias_requests` (
	`token` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`alias_address` text NOT NULL,
	`sealed_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE TABLE `governance_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `governance_votes` (
	`proposal_id` text NOT NULL,
	`address` text NOT NULL,
	`account_id` integer,
	`identity` text,
	`choice` text NOT NULL,
	`power` text,
	`voted_at` integer NOT NULL,
	`source` text NOT NULL,
	`signature` text,
	`envelope` text,
	`receipt` text,
	PRIMARY KEY(`proposal_id`, `address`),
	FOREIGN KEY (`proposal_id`) REFERENCES `proposals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `governance_votes_account` ON `governance_votes` (`account_id`,`proposal_id`);--> statement-breakpoint
CREATE TABLE `proposals` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`seq` integer,
	`external_id` text,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`choices` text NOT NULL,
	`type` text NOT NULL,
	`author_account_id` integer,
	`author_address` text,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`snapshot_block` integer NOT NULL,
	`quorum` text NOT NULL,
	`param_name` text,
	`param_value` text,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`scores` text,
	`scores_total` text,
	`quorum_met` integer,
	`winner` integer,
	`closed_at` integer,
	`executed_at` integer,
	`hub_created` integer,
	`hub_state` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `proposals_seq` ON `proposals` (`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `proposals_external` ON `proposals` (`external_id`);--> statement-breakpoint
CREATE INDEX `proposals_status_end` ON `proposals` (`status`,`end_at`);--> statement-breakpoint
CREATE TABLE `snapshot_aliases` (
	`address` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`alias_address` text NOT NULL,
	`sealed_key` text,
	`signed_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`signature` text NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `snapshot_aliases_account` ON `snapshot_aliases` (`account_id`);--> statement-breakpoint
CREATE INDEX `snapshot_aliases_expiry` ON `snapshot_aliases` (`expires_at`);--> statement-breakpoint
CREATE TABLE `snapshot_relays` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`account_id` integer NOT NULL,
	`proposal_id` text,
	`address` text NOT NULL,
	`envelope` text NOT NULL,
	`status` text NOT NULL,
	`answer` text,
	`report_to` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`answered_at` integer
);
--> statement-breakpoint
CREATE INDEX `snapshot_relays_due` ON `snapshot_relays` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `voting_power_cache` (
	`proposal_id` text NOT NULL,
	`address` text NOT NULL,
	`power` text NOT NULL,
	`fetched_at` integer NOT NULL,
	PRIMARY KEY(`proposal_id`, `address`)
);
