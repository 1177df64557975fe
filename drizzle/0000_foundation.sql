CREATE TABLE `actions` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`group_id` text NOT NULL,
	`payload` text NOT NULL,
	`owner_platform` text NOT NULL,
	`owner_user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE INDEX `actions_expires` ON `actions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `accounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merged_into` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `chat_identities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`platform_user_id` text NOT NULL,
	`account_id` integer NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`dm_unreachable_at` integer,
	`dm_unreachable_told_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_identities_platform_user` ON `chat_identities` (`platform`,`platform_user_id`);--> statement-breakpoint
CREATE INDEX `chat_identities_account` ON `chat_identities` (`account_id`);