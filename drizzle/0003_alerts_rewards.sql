CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`model` text NOT NULL,
	`gpu_count` integer NOT NULL,
	`max_price` text,
	`region` text,
	`created_at` integer NOT NULL,
	`cool_until` integer DEFAULT 0 NOT NULL,
	`last_fired_at` integer
);
--> statement-breakpoint
CREATE INDEX `alerts_model` ON `alerts` (`model`,`cool_until`);--> statement-breakpoint
CREATE INDEX `alerts_account` ON `alerts` (`account_id`);--> statement-breakpoint
CREATE TABLE `epoch_statements` (
	`epoch` integer NOT NULL,
	`provider_id` integer NOT NULL,
	`address` text NOT NULL,
	`account_id` integer NOT NULL,
	`emission` text NOT NULL,
	`earnings` text NOT NULL,
	`total` text NOT NULL,
	`leaf_index` integer NOT NULL,
	PRIMARY KEY(`epoch`, `provider_id`)
);
--> statement-breakpoint
CREATE INDEX `epoch_statements_account` ON `epoch_statements` (`account_id`);--> statement-breakpoint
CREATE TABLE `epochs` (
	`number` integer PRIMARY KEY NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`status` text NOT NULL,
	`emission` text NOT NULL,
	`report_hash` text NOT NULL,
	`merkle_root` text NOT NULL,
	`report` text NOT NULL,
	`tree` text NOT NULL,
	`closed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `renewable_attestations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider_id` integer NOT NULL,
	`source` text NOT NULL,
	`reference` text NOT NULL,
	`evidence_hash` text NOT NULL,
	`provider_signature` text NOT NULL,
	`attester_signature` text,
	`valid_until` integer NOT NULL,
	`revoked_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `renewable_attestations_provider` ON `renewable_attestations` (`provider_id`);