CREATE TABLE `ssh_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`public_key` text NOT NULL,
	`comment` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ssh_keys_account_fingerprint` ON `ssh_keys` (`account_id`,`fingerprint`);--> statement-breakpoint
ALTER TABLE `rentals` ADD `image_name` text;--> statement-breakpoint
ALTER TABLE `rentals` ADD `image` text;