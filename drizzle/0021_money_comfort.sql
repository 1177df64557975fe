CREATE TABLE `rental_auto_extend` (
	`rental_id` text PRIMARY KEY NOT NULL,
	`cap_hours` integer NOT NULL,
	`extended_hours` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rental_end_notices` (
	`rental_id` text NOT NULL,
	`ends_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`rental_id`, `ends_at`)
);
--> statement-breakpoint
CREATE TABLE `spend_limits` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`monthly_cap` text NOT NULL,
	`updated_at` integer NOT NULL
);
