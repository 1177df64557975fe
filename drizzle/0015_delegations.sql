CREATE TABLE `delegations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`from_account_id` integer NOT NULL,
	`to_account_id` integer,
	`to_address` text,
	`start_block` integer NOT NULL,
	`start_at` integer NOT NULL,
	`end_block` integer,
	`end_at` integer
);
--> statement-breakpoint
CREATE INDEX `delegations_from` ON `delegations` (`from_account_id`,`end_at`);--> statement-breakpoint
CREATE INDEX `delegations_to_account` ON `delegations` (`to_account_id`);--> statement-breakpoint
CREATE INDEX `delegations_to_address` ON `delegations` (`to_address`);--> statement-breakpoint
ALTER TABLE `governance_votes` ADD `delegator_account_id` integer;