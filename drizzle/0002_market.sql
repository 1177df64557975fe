CREATE TABLE `agent_request_signatures` (
	`signature` text PRIMARY KEY NOT NULL,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_request_signatures_seen` ON `agent_request_signatures` (`seen_at`);--> statement-breakpoint
CREATE TABLE `node_gpus` (
	`node_id` text NOT NULL,
	`model` text NOT NULL,
	`memory_mb` integer NOT NULL,
	`total` integer NOT NULL,
	`allocated` integer DEFAULT 0 NOT NULL,
	`region` text NOT NULL,
	`price_per_gpu_hour` text NOT NULL,
	`price_sort` text NOT NULL,
	`reliability` real NOT NULL,
	`online` integer NOT NULL,
	PRIMARY KEY(`node_id`, `model`),
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `node_gpus_search` ON `node_gpus` (`online`,`model`,`price_sort`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` integer NOT NULL,
	`node_key` text NOT NULL,
	`region` text NOT NULL,
	`price_per_gpu_hour` text NOT NULL,
	`renewable` integer DEFAULT false NOT NULL,
	`off_peak_start_hour` integer,
	`off_peak_end_hour` integer,
	`online` integer DEFAULT true NOT NULL,
	`last_heartbeat_at` integer NOT NULL,
	`reliability` real DEFAULT 1 NOT NULL,
	`utilization` text DEFAULT '[]' NOT NULL,
	`driver_version` text,
	`maintenance_from` integer,
	`maintenance_until` integer,
	`registered_at` integer NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_provider_key` ON `nodes` (`provider_id`,`node_key`);--> statement-breakpoint
CREATE INDEX `nodes_online_heartbeat` ON `nodes` (`online`,`last_heartbeat_at`);--> statement-breakpoint
CREATE TABLE `providers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`address` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `providers_address_unique` ON `providers` (`address`);--> statement-breakpoint
CREATE TABLE `rentals` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`node_id` text NOT NULL,
	`model` text NOT NULL,
	`gpu_count` integer NOT NULL,
	`hours` integer NOT NULL,
	`price_per_gpu_hour` text NOT NULL,
	`escrowed` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`claim_by` integer NOT NULL,
	`started_at` integer,
	`ends_at` integer,
	`ended_at` integer,
	`connection_sealed` text,
	`access_secret_sealed` text NOT NULL,
	`failure_reason` text,
	`replaces_id` text,
	`charged` text,
	`fee` text,
	`refunded` text,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rentals_account` ON `rentals` (`account_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `rentals_node_status` ON `rentals` (`node_id`,`status`);--> statement-breakpoint
CREATE INDEX `rentals_status` ON `rentals` (`status`);--> statement-breakpoint
CREATE TABLE `uptime_buckets` (
	`node_id` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`gpus` integer NOT NULL,
	`rented_gpus` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`node_id`, `bucket_start`)
);
--> statement-breakpoint
CREATE INDEX `uptime_buckets_start` ON `uptime_buckets` (`bucket_start`);--> statement-breakpoint
CREATE TABLE `protocol_parameters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`set_by_proposal` text,
	`updated_at` integer NOT NULL
);
