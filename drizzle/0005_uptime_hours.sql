CREATE TABLE `uptime_hours` (
	`node_id` text NOT NULL,
	`hour_start` integer NOT NULL,
	`buckets` integer NOT NULL,
	`gpus` integer NOT NULL,
	PRIMARY KEY(`node_id`, `hour_start`)
);
--> statement-breakpoint
CREATE INDEX `uptime_hours_start` ON `uptime_hours` (`hour_start`);