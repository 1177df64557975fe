CREATE TABLE `chain_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`block` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `deposits` (
	`tx_hash` text NOT NULL,
	`log_index` integer NOT NULL,
	`block_number` integer NOT NULL,
	`block_hash` text NOT NULL,
	`from_address` text NOT NULL,
	`amount` text NOT NULL,
	`status` text NOT NULL,
	`account_id` integer,
	`credited_at` integer NOT NULL,
	PRIMARY KEY(`tx_hash`, `log_index`)
);
--> statement-breakpoint
CREATE INDEX `deposits_from` ON `deposits` (`from_address`,`status`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`account_id` integer NOT NULL,
	`to_address` text NOT NULL,
	`amount` text NOT NULL,
	`status` text NOT NULL,
	`tx_hash` text,
	`nonce` integer,
	`raw_tx` text,
	`batch_id` text,
	`created_at` integer NOT NULL,
	`submitted_at` integer,
	`confirmed_at` integer
);
--> statement-breakpoint
CREATE INDEX `payouts_status` ON `payouts` (`status`);--> statement-breakpoint
CREATE INDEX `payouts_account` ON `payouts` (`account_id`);--> statement-breakpoint
CREATE TABLE `ledger_balances` (
	`key` text PRIMARY KEY NOT NULL,
	`account_id` integer,
	`balance` text DEFAULT '0' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_balances_account` ON `ledger_balances` (`account_id`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`transaction_id` integer NOT NULL,
	`key` text NOT NULL,
	`amount` text NOT NULL,
	FOREIGN KEY (`transaction_id`) REFERENCES `ledger_transactions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ledger_entries_transaction` ON `ledger_entries` (`transaction_id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_key` ON `ledger_entries` (`key`);--> statement-breakpoint
CREATE TABLE `ledger_transactions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`memo` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transactions_idempotency_key_unique` ON `ledger_transactions` (`idempotency_key`);--> statement-breakpoint
CREATE TABLE `announcement_channels` (
	`platform` text NOT NULL,
	`channel_id` text NOT NULL,
	`added_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `announcement_channels_unique` ON `announcement_channels` (`platform`,`channel_id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`notification_id` integer NOT NULL,
	`platform` text NOT NULL,
	`destination` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`sent_at` integer,
	FOREIGN KEY (`notification_id`) REFERENCES `notifications`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_once` ON `deliveries` (`notification_id`,`platform`,`destination`);--> statement-breakpoint
CREATE INDEX `deliveries_due` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `notification_preferences` (
	`account_id` integer NOT NULL,
	`topic` text NOT NULL,
	`enabled` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_preferences_unique` ON `notification_preferences` (`account_id`,`topic`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`account_id` integer,
	`topic` text NOT NULL,
	`reply` text NOT NULL,
	`created_at` integer NOT NULL,
	`fanned_out_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_dedupe_key_unique` ON `notifications` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `notifications_pending` ON `notifications` (`fanned_out_at`);--> statement-breakpoint
CREATE TABLE `link_challenges` (
	`token` text PRIMARY KEY NOT NULL,
	`identity_id` integer NOT NULL,
	`nonce` text NOT NULL,
	`address` text,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`identity_id`) REFERENCES `chat_identities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `link_challenges_nonce_unique` ON `link_challenges` (`nonce`);--> statement-breakpoint
CREATE INDEX `link_challenges_identity` ON `link_challenges` (`identity_id`);--> statement-breakpoint
CREATE TABLE `wallets` (
	`address` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`linked_by_identity_id` integer,
	`linked_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`linked_by_identity_id`) REFERENCES `chat_identities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `wallets_account` ON `wallets` (`account_id`);