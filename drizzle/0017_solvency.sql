CREATE TABLE `solvency_secrets` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `solvency_snapshots` (
	`number` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`epoch` integer,
	`block_number` integer NOT NULL,
	`root` text NOT NULL,
	`total_liabilities` text NOT NULL,
	`reserves` text NOT NULL,
	`treasury_balance` text NOT NULL,
	`in_flight` text NOT NULL,
	`account_count` integer NOT NULL,
	`leaves` text,
	`created_at` integer NOT NULL
);
